import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from './migrations.ts';
import { withStatementCache } from './statement-cache.ts';
import type { Database } from './schema.ts';

export type DatabaseKind = 'sqlite' | 'postgres';

export interface DatabaseHandle {
  db: Kysely<Database>;
  kind: DatabaseKind;
  /** Human-readable location without credentials, for start-up logs. */
  location: string;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** `postgres://…` selects PostgreSQL; anything else (or nothing) selects SQLite. */
  databaseUrl?: string | undefined;
  /** Directory of the SQLite file (`counterpay.db`), default `./data`. */
  dataDir?: string | undefined;
  /** SQLite file name or `:memory:`; default `counterpay.db` inside dataDir. */
  sqliteFile?: string | undefined;
  /** PostgreSQL schema to use (created if missing): lets each test run have its own. */
  pgSchema?: string | undefined;
  /** Run migrations (default true). */
  migrate?: boolean;
}

// int8 (bigint) columns and counts come back as text from pg; every amount we store is a safe integer.
pg.types.setTypeParser(20, (value) => Number(value));
// numeric (sum of bigint) likewise; our sums are sums of safe integers bounded by MAX_AMOUNT_MINOR.
pg.types.setTypeParser(1700, (value) => Number(value));

export function isPostgresUrl(url: string | undefined): url is string {
  return !!url && /^postgres(ql)?:\/\//.test(url);
}

export async function connectDatabase(options: ConnectOptions = {}): Promise<DatabaseHandle> {
  const handle = isPostgresUrl(options.databaseUrl) ? await connectPostgres(options.databaseUrl, options.pgSchema) : connectSqlite(options);
  if (options.migrate !== false) await migrateToLatest(handle.db);
  return handle;
}

function connectSqlite(options: ConnectOptions): DatabaseHandle {
  let file = options.sqliteFile ?? 'counterpay.db';
  if (file !== ':memory:') {
    const dir = options.dataDir ?? './data';
    mkdirSync(dir, { recursive: true });
    file = join(dir, file);
  }
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  // NORMAL in WAL mode survives a killed process (only an OS crash can lose the last commits).
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  // 32 MiB of page cache instead of SQLite's 2 MiB: at ten million payments the B-trees' interior pages
  // alone outgrow 2 MiB, and every lookup would read them again. Used only as pages are touched.
  sqlite.pragma('cache_size = -32768');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return { db, kind: 'sqlite', location: file, close: () => db.destroy() };
}

async function connectPostgres(url: string, schema: string | undefined): Promise<DatabaseHandle> {
  if (schema && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid PostgreSQL schema name: ${schema}`);
  if (schema) {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } finally {
      await admin.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const parsed = new URL(url);
  const location = `postgres://${parsed.host}${parsed.pathname}${schema ? ` (schema ${schema})` : ''}`;
  return { db, kind: 'postgres', location, close: () => db.destroy() };
}

/** Drops a test schema (used by test teardown on PostgreSQL). */
export async function dropPostgresSchema(url: string, schema: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await admin.end();
  }
}

/** True when a PostgreSQL server answers at the URL (tests skip loudly when it does not, outside CI). */
export async function postgresReachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
