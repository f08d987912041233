/**
 * A circuit breaker per notification target. A receiver that accepts connections and never answers
 * holds a delivery slot for the whole timeout on every attempt; without this, ten such receivers take
 * the pool from a hundred healthy ones. After `threshold` unanswered attempts in a row the target is
 * open: its deliveries wait (no attempt is made or counted) until one probe at a time has an answer.
 * Any HTTP answer, even an error status, closes it: a receiver that answers fast frees its slot at once.
 */
export interface BreakerOptions {
  threshold: number;
  firstCooldownMs: number;
  maxCooldownMs: number;
}

/** `defer`: send nothing before `until`; the target has not answered since `since`. */
export type Admission = { kind: 'send' } | { kind: 'defer'; until: number; since: number };

interface TargetState {
  unanswered: number;
  /** The first unanswered attempt of the streak. */
  since: number;
  cooldownMs: number;
  /** While open, nothing is sent before this time; after it, one probe. */
  openUntil: number;
  probing: boolean;
}

export const DEFAULT_BREAKER: BreakerOptions = { threshold: 3, firstCooldownMs: 5_000, maxCooldownMs: 300_000 };

export class TargetBreaker {
  readonly #targets = new Map<string, TargetState>();

  constructor(private readonly options: BreakerOptions = DEFAULT_BREAKER) {}

  admit(key: string, now: number): Admission {
    const state = this.#targets.get(key);
    if (!state || state.unanswered < this.options.threshold) return { kind: 'send' };
    if (now < state.openUntil) return { kind: 'defer', until: state.openUntil, since: state.since };
    if (state.probing) return { kind: 'defer', until: now + state.cooldownMs, since: state.since };
    state.probing = true;
    return { kind: 'send' };
  }

  answered(key: string): void {
    this.#targets.delete(key);
  }

  unanswered(key: string, now: number): void {
    const state = this.#targets.get(key) ?? { unanswered: 0, since: now, cooldownMs: 0, openUntil: 0, probing: false };
    state.unanswered++;
    if (state.probing) {
      state.probing = false;
      state.cooldownMs = Math.min(state.cooldownMs * 2, this.options.maxCooldownMs);
      state.openUntil = now + state.cooldownMs;
    } else if (state.unanswered === this.options.threshold) {
      state.cooldownMs = this.options.firstCooldownMs;
      state.openUntil = now + state.cooldownMs;
    }
    this.#targets.set(key, state);
  }

  /** Targets currently open (for logs and metrics). */
  openTargets(now: number): string[] {
    return [...this.#targets].filter(([, s]) => s.unanswered >= this.options.threshold && (now < s.openUntil || s.probing)).map(([key]) => key);
  }
}
