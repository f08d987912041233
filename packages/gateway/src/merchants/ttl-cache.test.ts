import { describe, expect, it } from 'vitest';
import { TtlCache } from './ttl-cache.ts';

describe('TtlCache', () => {
  it('loads once within the time to live, again after it', async () => {
    const cache = new TtlCache<string>(1000);
    let loads = 0;
    const load = async () => `v${++loads}`;
    expect(await cache.get('k', load, 0)).toBe('v1');
    expect(await cache.get('k', load, 999)).toBe('v1');
    expect(await cache.get('k', load, 1000)).toBe('v2');
    expect(loads).toBe(2);
  });

  it('never keeps a miss: an unknown key is looked up every time', async () => {
    const cache = new TtlCache<string>(1000);
    let loads = 0;
    const load = async () => (++loads > 1 ? 'created' : null);
    expect(await cache.get('k', load, 0)).toBeNull();
    expect(await cache.get('k', load, 1)).toBe('created');
  });

  it('forgets everything on clear, and the oldest entry beyond its capacity', async () => {
    const cache = new TtlCache<number>(1000, 2);
    let loads = 0;
    const load = async () => ++loads;
    await cache.get('a', load, 0);
    await cache.get('b', load, 0);
    await cache.get('c', load, 0); // evicts a
    expect(await cache.get('a', load, 0)).toBe(4);
    cache.clear();
    expect(await cache.get('b', load, 0)).toBe(5);
  });
});
