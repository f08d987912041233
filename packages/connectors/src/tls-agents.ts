import { createHash } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { Agent } from 'undici';

/**
 * Keep-alive connection pools to the wallets, one per TLS identity: the shared one for calls without a
 * client certificate, and one per client certificate (WeChat Pay `/secapi/`). A pool never mixes
 * identities, so a connection opened with one merchant's certificate never carries another's request.
 * No `ca` is ever given: TLS trusts Node's default roots plus NODE_EXTRA_CA_CERTS.
 */

/** What a client presents in the TLS handshake: a PEM certificate and key, or a PKCS#12 bundle. */
export type TlsClientIdentity = { cert: string; key: string } | { pfx: Buffer; passphrase: string };

/** Idle connections are closed by then; wallets' servers keep theirs longer. */
const KEEP_ALIVE_MS = 30_000;
/** Pools kept for client certificates; the least recently used beyond this is closed. */
const MAX_IDENTITY_AGENTS = 256;

const sharedAgent = new Agent({ keepAliveTimeout: KEEP_ALIVE_MS });
const identityAgents = new Map<string, Agent>();

/** Thrown when certificate material cannot be used; `code` is OpenSSL's (never the material itself). */
export class UnusableClientCertificateError extends Error {
  constructor(readonly code: string) {
    super(`the client certificate cannot be used (${code})`);
  }
}

/** The pool for `identity` (none: the shared pool). Material is checked once, before any connection. */
export function agentFor(identity?: TlsClientIdentity): Agent {
  if (!identity) return sharedAgent;
  const key = identityKey(identity);
  const cached = identityAgents.get(key);
  if (cached) {
    // Map order is insertion order: re-inserting marks it most recently used.
    identityAgents.delete(key);
    identityAgents.set(key, cached);
    return cached;
  }
  try {
    createSecureContext(identity);
  } catch (error) {
    // OpenSSL's code, or its fixed text ("mac verify failure": a wrong .p12 password); never the material.
    const code = (error as { code?: unknown }).code;
    throw new UnusableClientCertificateError(typeof code === 'string' ? code : error instanceof Error ? error.message : 'unreadable');
  }
  // TLS 1.2 with a client certificate: the server judges the certificate inside the handshake, before our
  // request leaves, so a refused certificate is truly `not_sent`. (In TLS 1.3 the client sends its
  // request before the server has judged its certificate, and a refusal looks like a dropped connection.)
  const agent = new Agent({ keepAliveTimeout: KEEP_ALIVE_MS, connect: { ...identity, maxVersion: 'TLSv1.2' } });
  identityAgents.set(key, agent);
  if (identityAgents.size > MAX_IDENTITY_AGENTS) {
    const [oldestKey, oldest] = identityAgents.entries().next().value!;
    identityAgents.delete(oldestKey);
    void oldest.close();
  }
  return agent;
}

function identityKey(identity: TlsClientIdentity): string {
  const hash = createHash('sha256');
  if ('pfx' in identity) hash.update('pfx\0').update(identity.pfx).update('\0').update(identity.passphrase);
  else hash.update('pem\0').update(identity.cert).update('\0').update(identity.key);
  return hash.digest('hex');
}
