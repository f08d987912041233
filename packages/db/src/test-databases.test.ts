import { existsSync } from 'node:fs';
import { sql } from 'kysely';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isUniqueViolation } from './unique-violation.ts';
import {
  DEFAULT_TEST_POSTGRES_URL,
  isCI,
  openTestDatabase,
  postgresTestUrl,
  testDatabaseKinds,
  testPostgresReachable,
  type TestDatabase,
} from './test-databases.ts';

/** Nothing listens on port 1: connecting is refused at once. */
const UNREACHABLE = 'postgres://postgres:hunter2@127.0.0.1:1/test';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('test-databases: PostgreSQL availability rule', () => {
  it('uses TEST_DATABASE_URL, or the local default when it is unset or empty', () => {
    vi.stubEnv('TEST_DATABASE_URL', '');
    expect(postgresTestUrl()).toBe(DEFAULT_TEST_POSTGRES_URL);
    vi.stubEnv('TEST_DATABASE_URL', 'postgresql://u@db.example:6543/x');
    expect(postgresTestUrl()).toBe('postgresql://u@db.example:6543/x');
  });

  it('refuses a TEST_DATABASE_URL that is not a postgres:// URL', () => {
    vi.stubEnv('TEST_DATABASE_URL', 'mysql://root@127.0.0.1/test');
    expect(() => postgresTestUrl()).toThrow(/must be a postgres:\/\/ URL/);
  });

  it('isCI is true only for CI=true', () => {
    vi.stubEnv('CI', 'true');
    expect(isCI()).toBe(true);
    for (const value of ['', 'false', '1']) {
      vi.stubEnv('CI', value);
      expect(isCI()).toBe(false);
    }
  });

  it('outside CI, an unreachable PostgreSQL is skipped with a loud warning that names the URL without its password', async () => {
    vi.stubEnv('TEST_DATABASE_URL', UNREACHABLE);
    vi.stubEnv('CI', '');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(await testPostgresReachable()).toBe(false);
    expect(await testDatabaseKinds()).toEqual(['sqlite']);
    expect(warn).toHaveBeenCalledTimes(1);
    const message = String(warn.mock.calls[0]?.[0]);
    expect(message).toMatch(/SKIPPING the PostgreSQL half/);
    expect(message).toContain('127.0.0.1:1');
    expect(message).not.toContain('hunter2');
  });

  it('in CI, an unreachable PostgreSQL stays in the kinds and openTestDatabase fails with a clear message', async () => {
    vi.stubEnv('TEST_DATABASE_URL', UNREACHABLE);
    vi.stubEnv('CI', 'true');
    expect(await testDatabaseKinds()).toEqual(['sqlite', 'postgres']);
    const failure = openTestDatabase('postgres');
    await expect(failure).rejects.toThrow(/PostgreSQL is not reachable at .*127\.0\.0\.1:1.* CI=true/);
    await expect(failure).rejects.not.toThrow(/hunter2/);
  });

  it('always offers SQLite', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(await testDatabaseKinds()).toContain('sqlite');
  });
});

describe('test-databases: SQLite test databases', () => {
  it('an in-memory database is migrated and private to its handle', async () => {
    const a = await openTestDatabase('sqlite');
    const b = await openTestDatabase('sqlite');
    try {
      await a.handle.db
        .insertInto('merchants')
        .values({ id: 'mch_a', name: 'A', default_currency: 'CNY', livemode: 0, fee_rate_bps: 0, fee_vat_bps: 0, created_at: 'now' })
        .execute();
      expect(await b.handle.db.selectFrom('merchants').selectAll().execute()).toEqual([]);
      expect(a.connectOptions.sqliteFile).toBe(':memory:');
    } finally {
      await a.cleanup();
      await b.cleanup();
    }
  });

  it('a file database lives in a temporary directory that cleanup removes; cleanup twice is harmless', async () => {
    const t = await openTestDatabase('sqlite', { sqlite: 'file' });
    const dir = t.connectOptions.dataDir!;
    expect(existsSync(dir)).toBe(true);
    await t.cleanup();
    await t.cleanup();
    expect(existsSync(dir)).toBe(false);
  });

  it('migrate: false opens an empty database', async () => {
    const t = await openTestDatabase('sqlite', { migrate: false });
    try {
      expect(await t.handle.db.introspection.getTables()).toEqual([]);
    } finally {
      await t.cleanup();
    }
  });
});

describe.runIf((await testDatabaseKinds()).includes('postgres'))('test-databases: PostgreSQL test databases', () => {
  it('each database is its own t_<random> schema, and cleanup drops it', async () => {
    const opened: TestDatabase[] = [];
    try {
      const a = await openTestDatabase('postgres');
      opened.push(a);
      const b = await openTestDatabase('postgres');
      opened.push(b);
      expect(a.pgSchema).toMatch(/^t_[0-9a-f]{16}$/);
      expect(b.pgSchema).not.toBe(a.pgSchema);
      await a.cleanup();
      const { rows } = await sql<{ name: string }>`
        select nspname as name from pg_namespace where nspname in (${a.pgSchema!}, ${b.pgSchema!})`.execute(b.handle.db);
      expect(rows.map((row) => row.name)).toEqual([b.pgSchema]);
    } finally {
      for (const t of opened) await t.cleanup();
    }
  });
});

describe('isUniqueViolation', () => {
  it('recognises PostgreSQL 23505 and SQLite UNIQUE / PRIMARYKEY constraint codes', () => {
    for (const code of ['23505', 'SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']) {
      expect(isUniqueViolation(Object.assign(new Error('dup'), { code }))).toBe(true);
    }
  });

  it('does not recognise other constraint errors or non-errors', () => {
    for (const value of [
      { code: '23503' },
      { code: '23502' },
      { code: 'SQLITE_CONSTRAINT_FOREIGNKEY' },
      { code: 'SQLITE_CONSTRAINT_NOTNULL' },
      { code: 23505 },
      new Error('UNIQUE constraint failed'),
      null,
      undefined,
      '23505',
      42,
    ]) {
      expect(isUniqueViolation(value)).toBe(false);
    }
  });
});
