import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';

/** A request as the fake wallet received it. */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** HTTPS only: the subject CN of the client certificate presented in the handshake, or null. */
  clientCertificate?: string | null;
}

/** What the fake wallet answers: a status and body, or nothing at all (`hang`). */
export type CannedAnswer = { status?: number; body: string; contentType?: string } | 'hang';

/** An answer, or `drop`: the request is read, then the connection closed without a word. */
export type CannedReply = CannedAnswer | 'drop';

/** HTTPS: the server's certificate, and which client certificates it asks for. */
export interface CannedTls {
  certPem: string;
  keyPem: string;
  /** Ask every client for a certificate; with `clientCa` only certificates it issued complete the handshake. */
  requestClientCertificate?: boolean;
  clientCa?: string;
}

/**
 * A tiny HTTP(S) server on 127.0.0.1:0 for connector tests: it records every request and answers whatever
 * the test's handler returns. Not a wallet simulator: it knows no protocol, the tests write the answers.
 */
export class CannedWalletServer {
  readonly requests: ReceivedRequest[] = [];
  private handler: (req: ReceivedRequest) => CannedReply = () => ({ status: 500, body: 'no answer configured' });
  private readonly server: Server;

  private constructor(private readonly tls?: CannedTls) {
    const listener: RequestListener = (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const received: ReceivedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        if (tls) received.clientCertificate = presentedCertificate(req.socket as TLSSocket);
        this.requests.push(received);
        const answer = this.handler(received);
        if (answer === 'hang') return; // never answer: the client must time out
        if (answer === 'drop') return void req.socket.destroy(); // the request was read, the answer never comes
        res.writeHead(answer.status ?? 200, { 'content-type': answer.contentType ?? 'text/plain; charset=utf-8' });
        res.end(answer.body);
      });
    };
    this.server = tls
      ? createHttpsServer(
          {
            cert: tls.certPem,
            key: tls.keyPem,
            requestCert: tls.requestClientCertificate ?? false,
            rejectUnauthorized: tls.clientCa !== undefined,
            ...(tls.clientCa ? { ca: tls.clientCa } : {}),
          },
          listener,
        )
      : createServer(listener);
  }

  static async start(tls?: CannedTls): Promise<CannedWalletServer> {
    const canned = new CannedWalletServer(tls);
    await new Promise<void>((resolve) => canned.server.listen(0, '127.0.0.1', resolve));
    return canned;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  }

  /** Sets how the next requests are answered (a handler, or one fixed answer for all of them). */
  answer(handler: CannedReply | ((req: ReceivedRequest) => CannedReply)): void {
    this.handler = typeof handler === 'function' ? handler : () => handler;
  }

  reset(): void {
    this.requests.length = 0;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function presentedCertificate(socket: TLSSocket): string | null {
  const peer = socket.getPeerCertificate();
  if (!peer || Object.keys(peer).length === 0) return null;
  const cn = peer.subject?.CN;
  return Array.isArray(cn) ? cn.join(',') : (cn ?? '');
}
