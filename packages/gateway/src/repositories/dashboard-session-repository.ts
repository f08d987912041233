import type { Kysely, Selectable } from 'kysely';
import type { DashboardSessionTable, Database } from '@counterpay/db';

export type DashboardSessionRow = Selectable<DashboardSessionTable>;

/** Dashboard sign-ins, by the SHA-256 of the cookie's random id (the id itself is never stored). */
export class DashboardSessionRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async create(row: DashboardSessionRow): Promise<void> {
    await this.#db.insertInto('dashboard_sessions').values(row).execute();
  }

  /** The session if it exists and has not expired at `now`. */
  async findLive(idHash: string, now: Date): Promise<DashboardSessionRow | null> {
    const row = await this.#db.selectFrom('dashboard_sessions').selectAll().where('id_hash', '=', idHash).where('expires_at', '>', now.toISOString()).executeTakeFirst();
    return row ?? null;
  }

  async setMode(idHash: string, livemode: boolean): Promise<void> {
    await this.#db.updateTable('dashboard_sessions').set({ livemode: livemode ? 1 : 0 }).where('id_hash', '=', idHash).execute();
  }

  async delete(idHash: string): Promise<void> {
    await this.#db.deleteFrom('dashboard_sessions').where('id_hash', '=', idHash).execute();
  }

  /** Expired sessions are removed when someone signs in, so the table never grows without bound. */
  async deleteExpired(now: Date): Promise<void> {
    await this.#db.deleteFrom('dashboard_sessions').where('expires_at', '<=', now.toISOString()).execute();
  }
}
