import type { NewTask } from '../repositories/task-repository.ts';

/**
 * The follow-up queries of a payment that just closed (`late_check` resolver tasks): a buyer who
 * confirmed just as the cancel went through shows up paid a moment later. `delaysMs` count from the
 * close; the task's `attempts` is the index of the next one, so a restart resumes where it was.
 */
export function firstLateCheck(delaysMs: readonly number[], closedAt: Date): NewTask | null {
  if (delaysMs.length === 0) return null;
  const last = delaysMs[delaysMs.length - 1]!;
  // Not leased: nobody is talking to the wallet about a closed payment; any instance may run it.
  return { firstCheck: new Date(closedAt.getTime() + delaysMs[0]!), deadline: new Date(closedAt.getTime() + last), leased: false };
}

/** When the check after `done` checks runs, or null when they are all done. */
export function nextLateCheck(delaysMs: readonly number[], closedAt: Date, done: number): Date | null {
  const delay = delaysMs[done];
  return delay === undefined ? null : new Date(closedAt.getTime() + delay);
}
