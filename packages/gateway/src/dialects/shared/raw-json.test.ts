import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rawTopLevelMembers } from './raw-json.ts';

describe('rawTopLevelMembers', () => {
  it('returns each member exactly as written, spacing and escapes included', () => {
    const text = '{ "request" : {"header": {"a": "x,}"}, "body":[1, 2]} , "signature":"ab\\"c", "n": 12.50 }';
    const members = rawTopLevelMembers(text)!;
    expect(members.get('request')).toBe('{"header": {"a": "x,}"}, "body":[1, 2]}');
    expect(members.get('signature')).toBe('"ab\\"c"');
    expect(members.get('n')).toBe('12.50');
  });

  it('agrees with JSON.parse for any object', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.boolean(), (object, pretty) => {
        const text = JSON.stringify(object, null, pretty ? 2 : undefined);
        const members = rawTopLevelMembers(text)!;
        for (const [key, value] of Object.entries(object)) expect(JSON.parse(members.get(key)!)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 300 },
    );
  });

  it('returns null for text that is not a JSON object', () => {
    expect(rawTopLevelMembers('[1]')).toBeNull();
    expect(rawTopLevelMembers('{"a":')).toBeNull();
  });
});
