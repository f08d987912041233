import type { Logger } from 'pino';

export interface WorkerLoopOptions {
  name: string;
  tickMs: number;
  /** Most tasks in flight at once in this instance (a slow wallet must not stall the others). */
  concurrency: number;
  /** Woken early by this emitter's 'task-due' event (a cancel request, a wallet notification). */
  wake?: NodeJS.EventEmitter;
}

/**
 * Claims due rows (resolver tasks, notification deliveries) with a lease and runs them with bounded concurrency until stopped: a free slot is filled
 * as soon as a task ends, and the table is looked at every tick. A task that throws keeps its lease
 * until it expires, so it is retried later (by this or another instance).
 */
export class WorkerLoop<T extends { id?: string; object_id?: string }> {
  #stopped = true;
  #timer: NodeJS.Timeout | undefined;
  #claiming = false;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #wake = () => this.#fill();

  constructor(
    private readonly options: WorkerLoopOptions,
    /** Claims up to `limit` due rows for this instance (FOR UPDATE SKIP LOCKED on PostgreSQL). */
    private readonly claim: (limit: number) => Promise<T[]>,
    private readonly handle: (row: T) => Promise<void>,
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
        const rows = await this.claim(free);
        for (const row of rows) this.#run(row);
        if (rows.length < free) return;
      }
    } catch (error) {
      this.log.error({ err: error, worker: this.options.name }, 'claiming tasks failed');
    } finally {
      this.#claiming = false;
    }
  }

  #run(row: T): void {
    const running = this.handle(row)
      .catch((error: unknown) => {
        this.log.warn({ err: error, worker: this.options.name, row: row.object_id ?? row.id }, 'work failed; it is retried when its lease expires');
      })
      .finally(() => {
        this.#inFlight.delete(running);
        // A slot is free: look for more due work at once rather than at the next tick.
        if (!this.#stopped) void this.#fill();
      });
    this.#inFlight.add(running);
  }
}
