import { EventEmitter } from 'node:events';
import { NotFoundError } from '@counterpay/core';

/** The event name that wakes the resolver at once (a cancel request, a wallet notification). */
export const TASK_DUE = 'task-due';

/**
 * Committed changes in this process, by object id, so waiting requests and idle workers wake at once;
 * changes made by other instances are seen by re-reading on a short interval.
 */
export class ChangeFeed {
  readonly emitter = new EventEmitter();
  readonly #watchers = new Set<(ids: readonly string[], row?: { id: string }) => void>();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  /** Announces a committed change of these objects (payment ids, refund ids). */
  changed(...ids: string[]): void {
    this.#announce(ids, undefined);
  }

  /** Announces a committed change of `row` (and of `alsoIds`), handing watchers the row as committed. */
  changedTo(row: { id: string }, ...alsoIds: string[]): void {
    this.#announce([row.id, ...alsoIds], row);
  }

  #announce(ids: readonly string[], row: { id: string } | undefined): void {
    for (const id of ids) this.emitter.emit(id);
    for (const watcher of this.#watchers) {
      try {
        watcher(ids, row);
      } catch {
        // A watcher only observes: its failure never reaches the change that was announced.
      }
    }
  }

  /**
   * Calls `watcher` with the ids of every change announced in this process (a refund's change names the
   * refund, then its payment) and, when the announcer had it, the first one's row as committed (so the
   * watcher need not read it back), e.g. for the start command's outcome lines; returns the unsubscribe.
   */
  watch(watcher: (ids: readonly string[], row?: { id: string }) => void): () => void {
    this.#watchers.add(watcher);
    return () => this.#watchers.delete(watcher);
  }

  /** Wakes the workers: a task became due now. */
  taskDue(): void {
    this.emitter.emit(TASK_DUE);
  }

  /**
   * Re-reads an object until `settled` holds or `ms` pass, then returns it as it is. Woken at once by
   * changes made in this process; the 250 ms re-read covers changes made by other instances.
   */
  async waitUntil<T>(id: string, read: (id: string) => Promise<T | null>, settled: (row: T) => boolean, ms: number, what: string): Promise<T> {
    const until = Date.now() + Math.max(0, ms);
    for (;;) {
      const row = await read(id);
      if (!row) throw new NotFoundError(what, id);
      const left = until - Date.now();
      if (settled(row) || left <= 0) return row;
      await this.waitForChange(id, Math.min(left, 250));
    }
  }

  /** Resolves when the object changes in this process or `ms` pass; callers re-read the row. */
  waitForChange(id: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.emitter.off(id, done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.emitter.on(id, done);
    });
  }
}
