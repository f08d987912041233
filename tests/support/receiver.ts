import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';

export interface Received {
  eventId: string;
  body: string;
  signature: string | undefined;
  at: number;
}

/**
 * A merchant's notification receiver on a loopback port. `behave` decides each answer (status, or
 * 'hang' to never answer); every request is recorded, and `uniqueEventIds` is what a receiver that
 * de-duplicates by event id would have processed.
 */
export async function startReceiver(behave: (n: number) => number | 'hang' = () => 200) {
  const received: Received[] = [];
  let n = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const answer = behave(n++);
      received.push({ eventId: String(req.headers['counterpay-event-id'] ?? ''), body, signature: req.headers['counterpay-signature'] as string | undefined, at: Date.now() });
      if (answer === 'hang') return; // the sender's timeout fires; the socket is closed with the server
      res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer < 300 ? 'ok' : 'FAIL');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`;
  return {
    url,
    received,
    uniqueEventIds: () => new Set(received.map((r) => r.eventId)),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
