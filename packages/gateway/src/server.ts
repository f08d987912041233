import pino, { type DestinationStream, type Logger } from 'pino';
import { type Connector, type Wallet } from '@counterpay/core';
import { type DatabaseHandle, connectDatabase } from '@counterpay/db';
import type { FastifyInstance } from 'fastify';
import { buildApp, REDACT } from './app.ts';
import { type GatewayConfig, loadConfig } from './config.ts';
import { type Services, createServices } from './services.ts';

export interface RunningGateway {
  url: string;
  app: FastifyInstance;
  services: Services;
  close(): Promise<void>;
}

/** Opens the database the configuration names (SQLite in DATA_DIR, or DATABASE_URL), migrated. */
export function openDatabase(config: GatewayConfig): Promise<DatabaseHandle> {
  return connectDatabase({ databaseUrl: config.databaseUrl, pgSchema: config.databaseSchema, dataDir: config.dataDir });
}

/** The gateway's pino logger: JSON lines on stdout, or on `destination` (the CLI's readable terminal output). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, redact: { paths: REDACT, censor: '***' } };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * Opens the database (migrating it), builds the app, starts the workers and listens. Tests pass
 * `overrides` (port 0, an in-memory database) and read `url` back.
 */
export async function startGateway(
  options: { config?: Partial<GatewayConfig>; env?: NodeJS.ProcessEnv; database?: DatabaseHandle; connectors?: Record<Wallet, Connector>; logger?: Logger } = {},
): Promise<RunningGateway> {
  const config = loadConfig(options.env ?? process.env, options.config);
  const logger = options.logger ?? createLogger(config.logLevel);
  const database = options.database ?? (await openDatabase(config));
  const services = createServices(config, database, logger, options.connectors);
  const app = await buildApp(services, logger);
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  // With PORT=0 (tests) the real port is known only now; QR and notify URLs must carry it.
  if (!(options.env ?? process.env).PUBLIC_URL && !options.config?.publicUrl) config.publicUrl = url;
  if (config.runWorkers) for (const worker of services.workers) worker.start();
  return {
    url,
    app,
    services,
    async close() {
      await Promise.all(services.workers.map((w) => w.stop()));
      await app.close();
      if (!options.database) await database.close();
    },
  };
}
