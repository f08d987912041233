import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import { WEB_CONTENT_SECURITY_POLICY } from './web-security.ts';

/** Where `npm install` / `counterpay start` build the screens (packages/web/dist). */
export const DEFAULT_WEB_DIST = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

export interface WebRoutesOptions {
  /** The built screens (pos.html, dashboard.html, assets/); DEFAULT_WEB_DIST unless a test says otherwise. */
  distDir?: string;
}

/** The two screens and the client-side routes under them: /pos/… and /dashboard/… load the same page. */
const SCREENS = [
  { path: '/pos', file: 'pos.html' },
  { path: '/dashboard', file: 'dashboard.html' },
] as const;

/** JSON endpoints under a screen's path that are not pages (the dashboard's own API and session). */
const NOT_PAGES = /^\/dashboard\/(api|session)(\/|$)/;

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>counterpay: screens not built</title></head>
<body><h1>The web screens are not built</h1><p>Run <code>npm run build:web</code> (or <code>npm install</code>) in the counterpay checkout, then reload.</p></body></html>`;

/**
 * The cash register (/pos) and the merchant dashboard (/dashboard), served from the Vite build: pages
 * are never cached (a new build is picked up at once), hashed assets forever. Helmet's security headers
 * and a strict Content-Security-Policy apply inside this plugin only: the JSON APIs and the dialect
 * endpoints answer exactly as before.
 */
export function webRoutes(options: WebRoutesOptions = {}) {
  const distDir = options.distDir ?? DEFAULT_WEB_DIST;
  return async function web(app: FastifyInstance): Promise<void> {
    await app.register(helmet, {
      contentSecurityPolicy: { useDefaults: false, directives: WEB_CONTENT_SECURITY_POLICY },
      // The screens load nothing from other origins; isolate them from whatever opens them.
      crossOriginEmbedderPolicy: true,
      crossOriginOpenerPolicy: { policy: 'same-origin' },
      crossOriginResourcePolicy: { policy: 'same-origin' },
      referrerPolicy: { policy: 'no-referrer' },
      frameguard: { action: 'deny' },
      // HSTS belongs to whoever terminates TLS in front of the gateway (it may well run on plain HTTP on a LAN).
      strictTransportSecurity: false,
    });

    await app.register(fastifyStatic, {
      root: join(distDir, 'assets'),
      prefix: '/assets/',
      decorateReply: false,
      index: false,
      list: false,
      // File names carry their content hash: a changed file is a new URL, so the old one never changes.
      cacheControl: true,
      maxAge: '365d',
      immutable: true,
    });

    app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/pos', 302));

    for (const screen of SCREENS) {
      const page = async (request: FastifyRequest, reply: FastifyReply) => {
        if (NOT_PAGES.test(request.url)) return reply.callNotFound();
        return sendPage(reply, join(distDir, screen.file));
      };
      app.get(screen.path, { schema: { hide: true } }, page);
      app.get(`${screen.path}/*`, { schema: { hide: true } }, page);
    }
  };
}

async function sendPage(reply: FastifyReply, file: string): Promise<FastifyReply> {
  // Revalidated on every load, so a rebuilt screen (new asset names) reaches the browser at once.
  void reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8');
  let html: string;
  try {
    html = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return reply.status(503).send(NOT_BUILT);
  }
  return reply.send(html);
}
