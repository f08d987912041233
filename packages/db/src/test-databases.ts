/**
 * Test databases for suites that must pass on SQLite and on PostgreSQL alike (kysely-style loop).
 * Test-only: imported as `@counterpay/db/test-databases`, never by production code.
 *
 * ```ts
 * import { openTestDatabase, testDatabaseKinds, type TestDatabase } from '@counterpay/db/test-databases';
 *
 * for (const kind of await testDatabaseKinds()) {
 *   describe(`payments on ${kind}`, () => {
 *     let t: TestDatabase;
 *     beforeAll(async () => { t = await openTestDatabase(kind); });   // throws if it cannot be had
 *     afterAll(async () => { await t?.cleanup(); });
 *     it('…', async () => { await t.handle.db.selectFrom('payments')… });
 *   });
 * }
 * ```
 *
 * PostgreSQL availability rule (the README's "Tests" section):
 * - the server is `TEST_DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/test`; every
 *   opened database is a fresh schema `t_<random>` there, dropped again by `cleanup()`;
 * - reachable → `testDatabaseKinds()` is `['sqlite', 'postgres']`;
 * - unreachable and `CI=true` → still `['sqlite', 'postgres']`, and `openTestDatabase('postgres')`
 *   throws a clear error, so the suite FAILS in its `beforeAll` instead of passing without PostgreSQL;
 * - unreachable elsewhere → `['sqlite']`, with a loud `console.warn` saying the PostgreSQL half is skipped.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ConnectOptions,
  type DatabaseHandle,
  type DatabaseKind,
  connectDatabase,
  dropPostgresSchema,
  isPostgresUrl,
  postgresReachable,
} from './connect.ts';

export type TestDatabaseKind = DatabaseKind;

export const DEFAULT_TEST_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

export interface OpenTestDatabaseOptions {
  /**
   * SQLite only: `'memory'` (default) is a private `:memory:` database, gone when closed; `'file'` is a
   * file in a fresh temporary directory (removed by `cleanup()`), for when a second connection or a
   * child process (`DATA_DIR=<connectOptions.dataDir>`) must see the same data.
   */
  sqlite?: 'memory' | 'file';
  /** Run the migrations (default true), as `connectDatabase` does. */
  migrate?: boolean;
}

export interface TestDatabase {
  kind: TestDatabaseKind;
  /** Connected (and, unless told otherwise, migrated) database. */
  handle: DatabaseHandle;
  /**
   * What `connectDatabase` needs to reach the same database again (same PostgreSQL schema, same SQLite
   * file). With SQLite `'memory'` a new connection is a new, empty database.
   */
  connectOptions: ConnectOptions;
  /** PostgreSQL only: the schema this test database lives in. */
  pgSchema?: string;
  /** Closes the handle and deletes the database (drops the schema / removes the temp dir). Idempotent. */
  cleanup(): Promise<void>;
}

/** The PostgreSQL server tests use: `TEST_DATABASE_URL`, or the local default. */
export function postgresTestUrl(): string {
  const url = process.env.TEST_DATABASE_URL || DEFAULT_TEST_POSTGRES_URL;
  if (!isPostgresUrl(url)) throw new Error(`TEST_DATABASE_URL must be a postgres:// URL, got ${JSON.stringify(redact(url))}`);
  return url;
}

/** True when running in CI (`CI=true`), where PostgreSQL is mandatory. */
export function isCI(): boolean {
  return process.env.CI === 'true';
}

const reachability = new Map<string, Promise<boolean>>();

/** Whether the test PostgreSQL server answers; asked once per URL per process. */
export function testPostgresReachable(): Promise<boolean> {
  const url = postgresTestUrl();
  let probe = reachability.get(url);
  if (!probe) {
    probe = postgresReachable(url);
    reachability.set(url, probe);
  }
  return probe;
}

const warned = new Set<string>();

/** The database kinds to run suites on, by the availability rule above. */
export async function testDatabaseKinds(): Promise<TestDatabaseKind[]> {
  if ((await testPostgresReachable()) || isCI()) return ['sqlite', 'postgres'];
  const url = redact(postgresTestUrl());
  if (!warned.has(url)) {
    warned.add(url);
    console.warn(
      [
        '',
        '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
        `!! PostgreSQL is not reachable at ${url}: SKIPPING the PostgreSQL half of the database suites.`,
        '!! Start a server there or set TEST_DATABASE_URL; in CI (CI=true) this is a failure, not a skip.',
        '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
        '',
      ].join('\n'),
    );
  }
  return ['sqlite'];
}

/** Opens a fresh, private, migrated database of the given kind; `cleanup()` deletes it again. */
export async function openTestDatabase(kind: TestDatabaseKind, options: OpenTestDatabaseOptions = {}): Promise<TestDatabase> {
  const migrate = options.migrate ?? true;
  return kind === 'postgres' ? openPostgres(migrate) : openSqlite(options.sqlite ?? 'memory', migrate);
}

async function openSqlite(mode: 'memory' | 'file', migrate: boolean): Promise<TestDatabase> {
  const dir = mode === 'file' ? await mkdtemp(join(tmpdir(), 'counterpay-test-')) : undefined;
  const connectOptions: ConnectOptions = dir ? { dataDir: dir, migrate } : { sqliteFile: ':memory:', migrate };
  const removeDir = async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  };
  let handle: DatabaseHandle;
  try {
    handle = await connectDatabase(connectOptions);
  } catch (error) {
    await removeDir();
    throw error;
  }
  return {
    kind: 'sqlite',
    handle,
    connectOptions,
    cleanup: once(async () => {
      try {
        await handle.close();
      } finally {
        await removeDir();
      }
    }),
  };
}

async function openPostgres(migrate: boolean): Promise<TestDatabase> {
  const url = postgresTestUrl();
  if (!(await testPostgresReachable())) {
    throw new Error(
      `PostgreSQL is not reachable at ${redact(url)}${isCI() ? ' and CI=true, where the PostgreSQL suites are mandatory' : ''}. ` +
        'Start a PostgreSQL server there or point TEST_DATABASE_URL at one.',
    );
  }
  const pgSchema = `t_${randomBytes(8).toString('hex')}`;
  const connectOptions: ConnectOptions = { databaseUrl: url, pgSchema, migrate };
  const dropSchema = () => dropPostgresSchema(url, pgSchema);
  let handle: DatabaseHandle;
  try {
    handle = await connectDatabase(connectOptions);
  } catch (error) {
    await dropSchema().catch(() => undefined);
    throw error;
  }
  return {
    kind: 'postgres',
    handle,
    connectOptions,
    pgSchema,
    cleanup: once(async () => {
      try {
        await handle.close();
      } finally {
        await dropSchema();
      }
    }),
  };
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable URL>';
  }
}
