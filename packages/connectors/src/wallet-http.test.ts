import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CannedWalletServer } from './testing/canned-wallet-server.ts';
import { runWithExtraCa, type ChildResult } from './testing/child-process-calls.ts';
import { serverCertificate, testCa, type Issued } from './testing/test-certificates.ts';
import { agentFor } from './tls-agents.ts';
import { postToWallet, type WalletHttpResult } from './wallet-http.ts';

const TIMEOUT_MS = 2_000;
const ca = testCa();
const clientCa = testCa([{ shortName: 'CN', value: 'wallet client CA' }]);
const clientCertificate = clientCa.issue({ subject: [{ shortName: 'CN', value: '10000100' }] });
const strangerCertificate = testCa([{ shortName: 'CN', value: 'someone else' }]).issue({ subject: [{ shortName: 'CN', value: '10000100' }] });

const servers: CannedWalletServer[] = [];
async function wallet(certificate: Issued, options: { requestClientCertificate?: boolean; clientCa?: string; chain?: boolean } = {}): Promise<CannedWalletServer> {
  const server = await CannedWalletServer.start({
    certPem: options.chain ? `${certificate.certPem}${ca.certPem}` : certificate.certPem,
    keyPem: certificate.keys.privateKeyPem,
    ...options,
  });
  server.answer({ body: 'ok' });
  servers.push(server);
  return server;
}
afterAll(() => Promise.all(servers.map((s) => s.stop())));

const post = (url: string, extra: object = {}): Promise<WalletHttpResult> => postToWallet({ url, body: 'x', contentType: 'text/plain', timeoutMs: TIMEOUT_MS, ...extra });
const asPem = (issued: Issued) => ({ cert: issued.certPem, key: issued.keys.privateKeyPem });

describe('HTTPS with the CA in NODE_EXTRA_CA_CERTS (a child process started with it)', () => {
  let trusted: CannedWalletServer;
  let asking: CannedWalletServer;
  let strict: CannedWalletServer;
  let results: ChildResult[];

  beforeAll(async () => {
    trusted = await wallet(serverCertificate(ca));
    asking = await wallet(serverCertificate(ca), { requestClientCertificate: true });
    strict = await wallet(serverCertificate(ca), { requestClientCertificate: true, clientCa: clientCa.certPem });
    const expired = await wallet(serverCertificate(ca, { notBefore: new Date(Date.now() - 2 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) }));
    const otherHost = await wallet(serverCertificate(ca, { dnsNames: ['wallet.example'], ipAddresses: [] }));
    results = await runWithExtraCa(ca.certPem, [
      { call: 'post', url: trusted.url, timeoutMs: TIMEOUT_MS },
      { call: 'post', url: asking.url, timeoutMs: TIMEOUT_MS },
      { call: 'post', url: asking.url, timeoutMs: TIMEOUT_MS, clientIdentity: asPem(clientCertificate) },
      { call: 'post', url: expired.url, timeoutMs: TIMEOUT_MS },
      { call: 'post', url: otherHost.url, timeoutMs: TIMEOUT_MS },
      { call: 'post', url: strict.url, timeoutMs: TIMEOUT_MS, clientIdentity: asPem(strangerCertificate) },
      { call: 'post', url: strict.url, timeoutMs: TIMEOUT_MS, clientIdentity: asPem(clientCertificate) },
    ]);
  }, 60_000);

  it('trusts a wallet whose certificate chains to a CA from NODE_EXTRA_CA_CERTS', () => {
    expect(results[0]!.result).toEqual({ kind: 'answer', httpStatus: 200, body: 'ok' });
  });

  it('presents a client certificate only when the call carries one', () => {
    expect(results[1]!.result).toMatchObject({ kind: 'answer' });
    expect(results[2]!.result).toMatchObject({ kind: 'answer' });
    expect(asking.requests.map((r) => r.clientCertificate)).toEqual([null, '10000100']);
  });

  it('does not send to a wallet whose certificate has expired', () => {
    expect(results[3]!.result).toEqual({ kind: 'not_sent', cause: 'tls_server_certificate', reason: "TLS: the wallet's certificate has expired (CERT_HAS_EXPIRED)" });
  });

  it('does not send to a wallet whose certificate is for another host name', () => {
    expect(results[4]!.result).toEqual({ kind: 'not_sent', cause: 'tls_server_certificate', reason: "TLS: the wallet's certificate is not for this host name (ERR_TLS_CERT_ALTNAME_INVALID)" });
  });

  it('reports a client certificate the wallet refuses in the handshake as not sent, and the wallet reads no request', () => {
    expect(results[5]!.result).toMatchObject({ kind: 'not_sent', cause: 'tls_handshake', reason: expect.stringMatching(/^TLS: /) });
    expect(results[6]!.result).toMatchObject({ kind: 'answer' });
    expect(strict.requests).toHaveLength(1);
  });
});

describe('requests that never leave', () => {
  it('does not trust the same CA without NODE_EXTRA_CA_CERTS', async () => {
    const server = await wallet(serverCertificate(ca));
    expect(await post(server.url)).toEqual({ kind: 'not_sent', cause: 'tls_server_certificate', reason: "TLS: the wallet's certificate is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE)" });
    expect(server.requests).toHaveLength(0);
  });

  it('names a self-signed certificate in the chain', async () => {
    const server = await wallet(serverCertificate(ca), { chain: true });
    expect(await post(server.url)).toEqual({ kind: 'not_sent', cause: 'tls_server_certificate', reason: "TLS: the wallet's certificate is not trusted (SELF_SIGNED_CERT_IN_CHAIN)" });
  });

  it('maps a refused port to not_sent', async () => {
    const closed = await CannedWalletServer.start();
    const url = closed.url;
    await closed.stop();
    expect(await post(url)).toEqual({ kind: 'not_sent', cause: 'unreachable', reason: 'connection refused (ECONNREFUSED)' });
  });

  it('maps a host name that does not resolve to not_sent', async () => {
    const result = await post('http://wallet.invalid/gateway.do');
    expect(result).toMatchObject({ kind: 'not_sent', cause: 'unreachable', reason: expect.stringMatching(/^DNS: .*\((ENOTFOUND|EAI_AGAIN)\)$/) });
  });

  it('does not send with a client certificate that cannot be used, and never quotes it', async () => {
    const server = await wallet(serverCertificate(ca), { requestClientCertificate: true });
    const result = await post(server.url, { clientIdentity: { cert: clientCertificate.certPem, key: strangerCertificate.keys.privateKeyPem } });
    expect(result).toMatchObject({ kind: 'not_sent', cause: 'client_certificate', reason: expect.stringContaining('the client certificate cannot be used') });
    expect(JSON.stringify(result)).not.toContain('PRIVATE KEY');
    expect(server.requests).toHaveLength(0);
  });
});

describe('requests the wallet may have read', () => {
  let server: CannedWalletServer;
  beforeAll(async () => {
    server = await CannedWalletServer.start();
    servers.push(server);
  });

  it('keeps a timeout after the request was written as no_answer', async () => {
    server.reset();
    server.answer('hang');
    expect(await post(server.url, { timeoutMs: 200 })).toEqual({ kind: 'no_answer', httpStatus: null, reason: 'no answer within 200 ms' });
    expect(server.requests).toHaveLength(1);
  });

  it('keeps a connection dropped after the request was written as no_answer', async () => {
    server.reset();
    server.answer('drop');
    expect(await post(server.url)).toMatchObject({ kind: 'no_answer', httpStatus: null, reason: expect.stringContaining('network error') });
    expect(server.requests).toHaveLength(1);
  });

  it('keeps a non-2xx status as no_answer', async () => {
    server.answer({ status: 503, body: 'busy' });
    expect(await post(server.url)).toEqual({ kind: 'no_answer', httpStatus: 503, reason: 'HTTP 503 from the wallet' });
  });
});

describe('connection pools', () => {
  it('keeps one pool per client certificate and one shared pool for calls without one', () => {
    const identity = asPem(clientCertificate);
    expect(agentFor(identity)).toBe(agentFor({ ...identity }));
    expect(agentFor(identity)).not.toBe(agentFor(asPem(strangerCertificate)));
    expect(agentFor(identity)).not.toBe(agentFor());
  });
});
