/**
 * Notification receivers on loopback: RECEIVERS listeners, the first DEAD of which accept the
 * connection and never answer (held until the peer gives up); the others answer 200 at once.
 * Prints `receivers [urls…]` when all listen.
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';

const count = Number(process.env.RECEIVERS ?? 100);
const dead = Number(process.env.DEAD ?? 0);
const held = new Set<Socket>();
let received = 0;

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`);
    });
  });
}

const urls: string[] = [];
for (let i = 0; i < count; i++) {
  const server: Server =
    i < dead
      ? createTcpServer((socket) => {
          held.add(socket);
          socket.on('error', () => undefined);
          socket.on('close', () => held.delete(socket));
          socket.resume();
        })
      : createHttpServer({ keepAlive: true }, (req, res) => {
          req.resume();
          req.on('end', () => {
            received++;
            res.writeHead(200, { 'content-type': 'text/plain' });
            res.end('ok');
          });
        });
  urls.push(await listen(server));
}
console.log(`receivers ${JSON.stringify(urls)}`);
process.on('SIGTERM', () => {
  console.log(`received ${received}`);
  process.exit(0);
});
