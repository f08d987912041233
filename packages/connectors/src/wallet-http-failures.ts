/**
 * Why an HTTP exchange with a wallet produced no answer, told truthfully: did the request leave?
 * Connection refused, a name that does not resolve and a failed TLS handshake all happen before the
 * wallet could read a byte of the request (`not_sent`: nothing happened there). Anything after the
 * request may have been read (a timeout, a connection dropped mid-exchange) leaves the wallet's
 * outcome unknown (`no_answer`). Texts name the cause and the error code, never request content.
 */

/** What kind of failure kept the request from leaving, for callers that explain it (verifyAccount). */
export type NotSentCause = 'unreachable' | 'tls_server_certificate' | 'tls_handshake' | 'client_certificate';

export type ExchangeFailure =
  | { kind: 'not_sent'; cause: NotSentCause; reason: string }
  | { kind: 'no_answer'; httpStatus: null; reason: string };

const UNREACHABLE: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: "DNS: the wallet's host name does not resolve",
  EAI_AGAIN: 'DNS: the name could not be looked up now',
  EAI_FAIL: 'DNS: the name could not be looked up',
  EHOSTUNREACH: "the wallet's host is unreachable",
  ENETUNREACH: 'the network is unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'no connection could be opened in time',
  ERR_INVALID_URL: "the wallet's URL is not valid",
  UND_ERR_INVALID_ARG: "the wallet's URL is not valid",
};

/** OpenSSL's verdicts on the server's certificate chain (and Node's host name check). */
const SERVER_CERTIFICATE: Readonly<Record<string, string>> = {
  SELF_SIGNED_CERT_IN_CHAIN: 'is not trusted',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'is not trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'is not trusted',
  UNABLE_TO_GET_ISSUER_CERT: 'is not trusted',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'is not trusted',
  CERT_UNTRUSTED: 'is not trusted',
  CERT_REJECTED: 'is not trusted',
  INVALID_CA: 'is not trusted',
  CERT_SIGNATURE_FAILURE: 'is not trusted',
  UNABLE_TO_DECRYPT_CERT_SIGNATURE: 'is not trusted',
  CERT_REVOKED: 'is revoked',
  CERT_HAS_EXPIRED: 'has expired',
  CERT_NOT_YET_VALID: 'is not valid yet',
  ERR_TLS_CERT_ALTNAME_INVALID: 'is not for this host name',
};

export function describeExchangeFailure(error: unknown): ExchangeFailure {
  const code = errorCode(error);
  if (code && Object.hasOwn(UNREACHABLE, code)) return notSent('unreachable', `${UNREACHABLE[code]} (${code})`);
  if (code && Object.hasOwn(SERVER_CERTIFICATE, code)) {
    return notSent('tls_server_certificate', `TLS: the wallet's certificate ${SERVER_CERTIFICATE[code]} (${code})`);
  }
  // A handshake alert (e.g. the server refused our client certificate) or a protocol mismatch.
  if (code?.startsWith('ERR_SSL_') || code === 'EPROTO') return notSent('tls_handshake', `TLS: the handshake failed (${code})`);
  if (error instanceof Error && /before secure TLS connection was established/.test(error.message)) {
    return notSent('tls_handshake', `TLS: the wallet closed the connection during the handshake (${code ?? 'ECONNRESET'})`);
  }
  return { kind: 'no_answer', httpStatus: null, reason: `network error: ${code ?? (error instanceof Error ? error.message : String(error))}` };
}

function notSent(cause: NotSentCause, reason: string): ExchangeFailure {
  return { kind: 'not_sent', cause, reason };
}

/** Node and undici put the code on the error, fetch-style wrappers on its cause. */
function errorCode(error: unknown): string | null {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 3; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return null;
}
