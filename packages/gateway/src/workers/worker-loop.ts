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
  batchSize: number;
  /** Woken early by this emitter's 'task-due' event (a cancel request, a new task). */
  wake?: NodeJS.EventEmitter;
}

/**
 * Claims due task rows and runs them, batch after batch, until stopped. Each instance has its own
 * owner id; a task that throws is released with its lease expiring, so another tick retries it.
 */
export class WorkerLoop {
  #stopped = true;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #wakeListener = () => this.#schedule(0);

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
    this.options.wake?.on('task-due', this.#wakeListener);
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.options.wake?.off('task-due', this.#wakeListener);
    clearTimeout(this.#timer);
    await this.#running;
  }

  #schedule(ms: number): void {
    if (this.#stopped || this.#running) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#running = this.#tick().finally(() => {
        this.#running = undefined;
        this.#schedule(this.options.tickMs);
      });
    }, ms);
  }

  async #tick(): Promise<void> {
    try {
      for (let round = 0; round < 10 && !this.#stopped; round++) {
        const tasks = await claimDueTasks(this.db, this.dbKind, {
          owner: this.options.owner,
          kinds: this.options.kinds,
          limit: this.options.batchSize,
          leaseMs: this.options.leaseMs,
        });
        if (tasks.length === 0) return;
        await Promise.all(tasks.map((task) => this.#runOne(task)));
        if (tasks.length < this.options.batchSize) return;
      }
    } catch (error) {
      this.log.error({ err: error, worker: this.options.name }, 'worker tick failed');
    }
  }

  async #runOne(task: ClaimedTask): Promise<void> {
    try {
      await this.handle(task);
    } catch (error) {
      // The lease expires and the task is retried; the error is kept for people to see.
      this.log.warn({ err: error, worker: this.options.name, task: task.object_id }, 'task failed; will retry after its lease');
    }
  }
}
