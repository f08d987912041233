import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { withStatementCache } from './statement-cache.ts';

function counted(capacity?: number) {
  const sqlite = new SQLite(':memory:');
  const prepared: string[] = [];
  const prepare = sqlite.prepare.bind(sqlite);
  sqlite.prepare = ((text: string) => {
    prepared.push(text);
    return prepare(text);
  }) as typeof sqlite.prepare;
  return { sqlite, prepared, database: withStatementCache(sqlite, capacity) };
}

describe('SQLite statement cache', () => {
  it('prepares each SQL text once and reuses it with new parameters', async () => {
    const { prepared, database } = counted();
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database }) });
    await sql`create table t (id integer primary key, v text)`.execute(db);
    for (let i = 0; i < 50; i++) await db.insertInto('t').values({ id: i, v: `v${i}` }).execute();
    const rows = await db.selectFrom('t').select('v').where('id', '>=', 48).orderBy('id').execute();
    expect(rows).toEqual([{ v: 'v48' }, { v: 'v49' }]);
    expect(prepared.filter((text) => text.startsWith('insert'))).toHaveLength(1);
    await db.destroy();
  });

  it('keeps transactions working (begin, commit and rollback are statements too)', async () => {
    const { database } = counted();
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database }) });
    await sql`create table t (id integer primary key)`.execute(db);
    await db.transaction().execute((trx) => trx.insertInto('t').values({ id: 1 }).execute());
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('t').values({ id: 2 }).execute();
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    await db.transaction().execute((trx) => trx.insertInto('t').values({ id: 3 }).execute());
    expect((await db.selectFrom('t').select('id').orderBy('id').execute()).map((r) => r.id)).toEqual([1, 3]);
    await db.destroy();
  });

  it('drops the least recently used text beyond its capacity', () => {
    const { prepared, database } = counted(2);
    database.prepare('select 1');
    database.prepare('select 2');
    database.prepare('select 1'); // most recent now
    database.prepare('select 3'); // evicts "select 2"
    database.prepare('select 1');
    database.prepare('select 2');
    expect(prepared).toEqual(['select 1', 'select 2', 'select 3', 'select 2']);
  });
});
