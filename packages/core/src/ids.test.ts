import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ID_PREFIXES, type IdKind, hasPrefix, idBoundAt, newId, randomToken } from './ids.ts';

const KINDS = Object.keys(ID_PREFIXES) as IdKind[];
const kind = fc.constantFrom(...KINDS);
/** Every millisecond that fits the 10 base-36 time characters (up to the year ~117,000). */
const time = fc.integer({ min: 0, max: 36 ** 10 - 1 });

describe('newId', () => {
  it('starts with the kind\'s prefix and an underscore, then 24 lower-case base-36 characters', () => {
    fc.assert(fc.property(kind, time, (k, now) => {
      expect(newId(k, now)).toMatch(new RegExp(`^${ID_PREFIXES[k]}_[0-9a-z]{24}$`));
    }));
  });

  it('uses the documented prefixes (pay_, re_, evt_, …)', () => {
    expect(newId('payment')).toMatch(/^pay_/);
    expect(newId('refund')).toMatch(/^re_/);
    expect(newId('event')).toMatch(/^evt_/);
  });

  it('hasPrefix recognises an id of its own kind and no other kind', () => {
    fc.assert(fc.property(kind, kind, (made, asked) => {
      expect(hasPrefix(newId(made), asked)).toBe(made === asked);
    }));
  });

  it('is unique over 10,000 ids made in the same millisecond', () => {
    const now = Date.now();
    const ids = new Set(Array.from({ length: 10_000 }, () => newId('payment', now)));
    expect(ids.size).toBe(10_000);
  });

  it('is unique over 10,000 ids made at the current time', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newId('payment')));
    expect(ids.size).toBe(10_000);
  });

  it('ids made at increasing times sort increasingly as plain strings', () => {
    fc.assert(fc.property(kind, fc.uniqueArray(time, { minLength: 2, maxLength: 30 }), (k, times) => {
      const increasing = [...times].sort((a, b) => a - b);
      const ids = increasing.map((now) => newId(k, now));
      expect([...ids].sort()).toEqual(ids);
    }));
  });

  it('an id made one millisecond later always sorts after, whatever the random part', () => {
    fc.assert(fc.property(kind, fc.integer({ min: 0, max: 36 ** 10 - 2 }), (k, now) => {
      expect(newId(k, now) < newId(k, now + 1)).toBe(true);
    }));
  });

  it('encodes its creation time in the 10 characters after the prefix', () => {
    fc.assert(fc.property(kind, time, (k, now) => {
      const id = newId(k, now);
      const start = ID_PREFIXES[k].length + 1;
      expect(parseInt(id.slice(start, start + 10), 36)).toBe(now);
    }));
  });
});

describe('randomToken', () => {
  it('is url-safe base64 of the requested number of bytes', () => {
    expect(randomToken()).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(Buffer.from(randomToken(48), 'base64url')).toHaveLength(48);
  });

  it('is unique over 1,000 tokens', () => {
    expect(new Set(Array.from({ length: 1_000 }, () => randomToken())).size).toBe(1_000);
  });
});

describe('idBoundAt', () => {
  it('splits ids made before a moment from those made at or after it (a time range is an id range)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.integer({ min: -5_000, max: 5_000 }), (boundary, offset) => {
        const id = newId('payment', boundary + offset);
        expect(id >= idBoundAt('payment', new Date(boundary))).toBe(offset >= 0);
      }),
    );
  });
});

describe('ids made in the same millisecond', () => {
  it('sort in the order they were made', () => {
    const at = Date.now();
    const ids = Array.from({ length: 500 }, (_, i) => newId(i % 2 ? 'event' : 'refund', at).slice(-24));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
