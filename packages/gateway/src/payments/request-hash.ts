import { createHash } from 'node:crypto';

/** A stable fingerprint of a request's meaningful fields: tells a retry from a conflicting reuse. */
export function requestHash(fields: Record<string, unknown>): string {
  const sorted = Object.keys(fields)
    .sort()
    .map((key) => [key, fields[key] ?? null]);
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex');
}
