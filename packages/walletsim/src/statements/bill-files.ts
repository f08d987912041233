import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { SimContext } from '../sim-context.ts';

/** How long an Alipay `bill_download_url` works (Alipay's own are short-lived; a few minutes here). */
export const BILL_URL_LIFETIME_MS = 5 * 60 * 1000;

interface BillFile {
  name: string;
  content: Uint8Array;
  expiresAt: number;
}

/**
 * Statement files behind random, short-lived tokens: the Alipay gateway makes the zip when the download
 * URL is asked for (a snapshot of the day so far) and the URL serves it until it expires.
 */
export class BillFiles {
  readonly #files = new Map<string, BillFile>();

  add(name: string, content: Uint8Array, now = Date.now()): string {
    for (const [token, file] of this.#files) if (file.expiresAt <= now) this.#files.delete(token);
    const token = randomBytes(16).toString('hex');
    this.#files.set(token, { name, content, expiresAt: now + BILL_URL_LIFETIME_MS });
    return token;
  }

  get(token: string, now = Date.now()): BillFile | null {
    const file = this.#files.get(token);
    return file && file.expiresAt > now ? file : null;
  }
}

/**
 * `GET /downloadBillFile.resource?…&fileId=<token>`, shaped like Alipay's dwbillcenter URL: the zip, or
 * 404 once the link has expired (or never existed).
 */
export const billFileRoutes =
  (sim: SimContext): FastifyPluginAsync =>
  async (app) => {
    app.get('/downloadBillFile.resource', async (request, reply) => {
      const token = (request.query as Record<string, string | undefined>).fileId ?? '';
      const file = sim.billFiles.get(token);
      if (!file) return reply.status(404).type('text/plain; charset=utf-8').send('the bill download link has expired or does not exist');
      return reply
        .type('application/zip')
        .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`)
        .send(Buffer.from(file.content));
    });
  };
