import type SQLite from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** Distinct SQL texts kept prepared; the gateway's queries are a few hundred at most. */
const DEFAULT_CAPACITY = 1000;

/**
 * better-sqlite3 as Kysely sees it, with prepared statements reused by SQL text: Kysely prepares every
 * query anew, which costs more than running most of them. Safe because every statement runs to the end
 * synchronously (nothing here streams), so no two uses of one statement overlap. Least recently used
 * texts are dropped beyond the capacity (an IN list of varying length is a new text each time).
 */
export function withStatementCache(sqlite: SQLite.Database, capacity = DEFAULT_CAPACITY): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string): SqliteStatement {
      const cached = statements.get(sql);
      if (cached) {
        // Map order is insertion order: re-inserting marks it the most recently used.
        statements.delete(sql);
        statements.set(sql, cached);
        return cached;
      }
      const statement = sqlite.prepare(sql);
      statements.set(sql, statement);
      if (statements.size > capacity) statements.delete(statements.keys().next().value!);
      return statement;
    },
  };
}
