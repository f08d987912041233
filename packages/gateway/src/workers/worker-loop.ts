import type { Logger } from 'pino';
import type { Kysely } from 'kysely';
import type { Database, DatabaseKind } from '@counterpay/db';
import { type ClaimedTask, claimDueTasks } from './task-claims.ts';

export interface WorkerLoopOptions {
  name: string;
  /** Lease owner: the gateway instance id. */
  owner: string;
  kinds: string[];
  tickMs: number;
  leaseMs: number;
  /** Most tasks in flight at once in this instance (a slow wallet must not stall the others). */
  concurrency: number;
  /** Woken early by this emitter's 'task-due' event (a cancel request, a wallet notification). */
  wake?: NodeJS.EventEmitter;
}

/**
 * Claims due task rows and runs them with bounded concurrency until stopped: a free slot is filled
 * as soon as a task ends, and the table is looked at every tick. A task that throws keeps its lease
 * until it expires, so it is retried later (by this or another instance).
 */
export class WorkerLoop {
  #stopped = true;
  #timer: NodeJS.Timeout | undefined;
  #claiming = false;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #wake = () => this.#fill();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dbKind: DatabaseKind,
    private readonly options: WorkerLoopOptions,
    private readonly handle: (task: ClaimedTask) => Promise<void>,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.options.wake?.on('task-due', this.#wake);
    this.#tick();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.options.wake?.off('task-due', this.#wake);
    clearTimeout(this.#timer);
    while (this.#claiming || this.#inFlight.size > 0) await Promise.race([...this.#inFlight, new Promise((r) => setTimeout(r, 20))]);
  }

  #tick(): void {
    if (this.#stopped) return;
    void this.#fill().finally(() => {
      if (this.#stopped) return;
      this.#timer = setTimeout(() => this.#tick(), this.options.tickMs);
    });
  }

  async #fill(): Promise<void> {
    if (this.#stopped || this.#claiming) return;
    this.#claiming = true;
    try {
      for (;;) {
        const free = this.options.concurrency - this.#inFlight.size;
        if (free <= 0 || this.#stopped) return;
        const tasks = await claimDueTasks(this.db, this.dbKind, { owner: this.options.owner, kinds: this.options.kinds, limit: free, leaseMs: this.options.leaseMs });
        for (const task of tasks) this.#run(task);
        if (tasks.length < free) return;
      }
    } catch (error) {
      this.log.error({ err: error, worker: this.options.name }, 'claiming tasks failed');
    } finally {
      this.#claiming = false;
    }
  }

  #run(task: ClaimedTask): void {
    const running = this.handle(task)
      .catch((error: unknown) => {
        this.log.warn({ err: error, worker: this.options.name, task: task.object_id }, 'task failed; it is retried when its lease expires');
      })
      .finally(() => {
        this.#inFlight.delete(running);
        // A slot is free: look for more due work at once rather than at the next tick.
        if (!this.#stopped) void this.#fill();
      });
    this.#inFlight.add(running);
  }
}
