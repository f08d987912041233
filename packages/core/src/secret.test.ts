import { format, inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SecretBox, hashApiKey } from './secret-box.ts';
import { Secret } from './secret.ts';

/** Secret values long and distinctive enough that finding one in printed text means it leaked. */
const secretValue = fc.stringMatching(/^[A-Za-z0-9_]{12,40}$/);
/** Any text a secret may hold (whole code points, so it survives UTF-8). */
const plaintext = fc.string({ unit: 'binary', maxLength: 200 });

describe('Secret', () => {
  it('reveal() returns the wrapped value', () => {
    fc.assert(fc.property(secretValue, (value) => {
      expect(new Secret(value).reveal()).toBe(value);
    }));
  });

  it('prints *** in String() and template literals', () => {
    fc.assert(fc.property(secretValue, (value) => {
      const secret = new Secret(value);
      expect(String(secret)).toBe('***');
      expect(`${secret}`).toBe('***');
    }));
  });

  it('prints *** in JSON.stringify, alone and nested', () => {
    fc.assert(fc.property(secretValue, (value) => {
      const secret = new Secret(value);
      expect(JSON.stringify(secret)).toBe('"***"');
      const nested = JSON.stringify({ config: { apiKey: secret, list: [secret] } });
      expect(nested).toBe('{"config":{"apiKey":"***","list":["***"]}}');
    }));
  });

  it('prints *** in util.inspect, alone and nested, even with showHidden', () => {
    fc.assert(fc.property(secretValue, (value) => {
      const secret = new Secret(value);
      expect(inspect(secret)).toBe('Secret(***)');
      for (const text of [inspect({ a: { b: secret } }, { depth: 10 }), inspect(secret, { showHidden: true }), inspect([secret])]) {
        expect(text).toContain('***');
        expect(text).not.toContain(value);
      }
    }));
  });

  it('does not leak through util.format (what console.log uses), whatever the placeholder', () => {
    fc.assert(fc.property(secretValue, (value) => {
      const secret = new Secret(value);
      const text = format('%s %o %O %j %d', secret, secret, secret, secret, secret, secret);
      expect(text).not.toContain(value);
    }));
  });

  it('exposes no enumerable property holding the value', () => {
    const secret = new Secret('sk_test_do_not_print_me');
    expect(Object.keys(secret)).toEqual([]);
    expect(Object.values(secret)).toEqual([]);
    expect({ ...secret }).toEqual({});
  });
});

describe('SecretBox', () => {
  it('open(seal(x)) === x for any text and any master key', () => {
    fc.assert(fc.property(fc.string({ minLength: 1 }), plaintext, (masterKey, text) => {
      const box = new SecretBox(masterKey);
      expect(box.open(box.seal(text))).toBe(text);
    }));
  });

  it('round-trips an empty string and a PEM private key', () => {
    const box = new SecretBox('master');
    const pem = `-----BEGIN PRIVATE KEY-----\n${'A'.repeat(1600)}\n-----END PRIVATE KEY-----\n`;
    expect(box.open(box.seal(''))).toBe('');
    expect(box.open(box.seal(pem))).toBe(pem);
  });

  it('a fresh box with the same master key opens what another sealed (string or Buffer key)', () => {
    const sealed = new SecretBox('the master key').seal('salt-123');
    expect(new SecretBox('the master key').open(sealed)).toBe('salt-123');
    expect(new SecretBox(Buffer.from('the master key')).open(sealed)).toBe('salt-123');
  });

  it('seals the same text differently every time (random IV), and never contains the plaintext', () => {
    const box = new SecretBox('master');
    const text = 'whsec_plaintext_marker_0123456789';
    const sealed = Array.from({ length: 50 }, () => box.seal(text));
    expect(new Set(sealed).size).toBe(50);
    for (const s of sealed) {
      expect(s).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/);
      expect(s).not.toContain(text);
      expect(Buffer.from(s.split('.')[3]!, 'base64url').toString('latin1')).not.toContain(text);
    }
  });

  it('throws when any bit of the ciphertext, IV or tag is flipped', () => {
    const box = new SecretBox('master');
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 100 }), fc.constantFrom(1, 2, 3), fc.nat(), fc.nat(7), (text, part, at, bit) => {
        const pieces = box.seal(text).split('.');
        const bytes = Buffer.from(pieces[part]!, 'base64url');
        bytes[at % bytes.length]! ^= 1 << bit;
        pieces[part] = bytes.toString('base64url');
        expect(() => box.open(pieces.join('.'))).toThrow();
      }),
    );
  });

  it('throws when the ciphertext is cut short or extended', () => {
    const box = new SecretBox('master');
    const [v, iv, tag, body] = box.seal('a secret value').split('.') as [string, string, string, string];
    const bytes = Buffer.from(body, 'base64url');
    for (const changed of [bytes.subarray(0, bytes.length - 1), Buffer.concat([bytes, Buffer.from([0])]), Buffer.alloc(0)]) {
      expect(() => box.open([v, iv, tag, changed.toString('base64url')].join('.'))).toThrow();
    }
  });

  it('rejects a truncated authentication tag (a 4-byte tag would make forgery feasible)', () => {
    const box = new SecretBox('master');
    const [v, iv, tag, body] = box.seal('a secret value').split('.') as [string, string, string, string];
    for (const length of [4, 8, 12, 15]) {
      const short = Buffer.from(tag, 'base64url').subarray(0, length).toString('base64url');
      expect(() => box.open([v, iv, short, body].join('.'))).toThrow();
    }
  });

  it('throws when opened with a different master key', () => {
    fc.assert(fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), plaintext, (keyA, keyB, text) => {
      fc.pre(keyA !== keyB);
      const sealed = new SecretBox(keyA).seal(text);
      expect(() => new SecretBox(keyB).open(sealed)).toThrow();
    }));
  });

  it.each(['', 'garbage', 'v1', 'v1.a', 'v1.a.b', 'v2.AAAA.AAAA.AAAA', '.x.y.z'])('rejects the malformed value "%s"', (value) => {
    expect(() => new SecretBox('master').open(value)).toThrow();
  });
});

describe('hashApiKey', () => {
  it('is the 64-hex-digit SHA-256 of the key, the same every time, different for different keys', () => {
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    fc.assert(fc.property(fc.string(), fc.string(), (a, b) => {
      expect(hashApiKey(a)).toMatch(/^[0-9a-f]{64}$/);
      expect(hashApiKey(a) === hashApiKey(b)).toBe(a === b);
    }));
  });
});
