import { describe, expect, it } from 'vitest';
import { TargetBreaker } from './target-breaker.ts';

const options = { threshold: 3, firstCooldownMs: 1000, maxCooldownMs: 4000 };

describe('TargetBreaker', () => {
  it('should let everything through until a target leaves three attempts in a row unanswered', () => {
    const breaker = new TargetBreaker(options);
    breaker.unanswered('a', 0);
    breaker.unanswered('a', 0);
    expect(breaker.admit('a', 0)).toEqual({ kind: 'send' });
    breaker.unanswered('a', 10);
    expect(breaker.admit('a', 20)).toEqual({ kind: 'defer', until: 1010, since: 0 });
    expect(breaker.admit('b', 20)).toEqual({ kind: 'send' });
  });

  it('should send one probe at a time once the cooldown is over, and double the cooldown while probes go unanswered', () => {
    const breaker = new TargetBreaker(options);
    for (let i = 0; i < 3; i++) breaker.unanswered('a', 0);
    expect(breaker.admit('a', 1000)).toEqual({ kind: 'send' });
    expect(breaker.admit('a', 1001)).toEqual({ kind: 'defer', until: 2001, since: 0 });
    breaker.unanswered('a', 1500);
    expect(breaker.admit('a', 1600)).toEqual({ kind: 'defer', until: 3500, since: 0 });
    expect(breaker.admit('a', 3500)).toEqual({ kind: 'send' });
    breaker.unanswered('a', 3600);
    breaker.admit('a', 7600);
    breaker.unanswered('a', 7600);
    expect(breaker.admit('a', 7601)).toEqual({ kind: 'defer', until: 11_600, since: 0 });
    expect(breaker.openTargets(7601)).toEqual(['a']);
  });

  it('should close as soon as the target answers anything', () => {
    const breaker = new TargetBreaker(options);
    for (let i = 0; i < 3; i++) breaker.unanswered('a', 0);
    expect(breaker.admit('a', 1000)).toEqual({ kind: 'send' });
    breaker.answered('a');
    expect(breaker.admit('a', 1001)).toEqual({ kind: 'send' });
    expect(breaker.openTargets(1001)).toEqual([]);
  });
});
