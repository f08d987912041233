import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the fake wallet received it. */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** What the fake wallet answers: a status and body, or nothing at all (`hang`). */
export type CannedAnswer = { status?: number; body: string; contentType?: string } | 'hang';

/**
 * A tiny HTTP server on 127.0.0.1:0 for connector tests: it records every request and answers whatever
 * the test's handler returns. Not a wallet simulator: it knows no protocol, the tests write the answers.
 */
export class CannedWalletServer {
  readonly requests: ReceivedRequest[] = [];
  private handler: (req: ReceivedRequest) => CannedAnswer = () => ({ status: 500, body: 'no answer configured' });
  private readonly server: Server;

  private constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const received: ReceivedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        this.requests.push(received);
        const answer = this.handler(received);
        if (answer === 'hang') return; // never answer: the client must time out
        res.writeHead(answer.status ?? 200, { 'content-type': answer.contentType ?? 'text/plain; charset=utf-8' });
        res.end(answer.body);
      });
    });
  }

  static async start(): Promise<CannedWalletServer> {
    const canned = new CannedWalletServer();
    await new Promise<void>((resolve) => canned.server.listen(0, '127.0.0.1', resolve));
    return canned;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Sets how the next requests are answered (a handler, or one fixed answer for all of them). */
  answer(handler: CannedAnswer | ((req: ReceivedRequest) => CannedAnswer)): void {
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
