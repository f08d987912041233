import type { FastifyReply } from 'fastify';
import { sleep } from './clock.ts';

/** One rule of misbehaviour (issue: fault knobs), matched by wallet and method ('*' = any). */
export interface FaultRule {
  wallet: 'alipay' | 'wechat' | '*';
  method: string;
  /** Wait before answering: fixed milliseconds or a random [min, max] range. */
  latencyMs?: number | [number, number];
  /** Share of requests processed (the change is committed) whose answer is then dropped. */
  dropAfterCommit?: number;
  /** Share of requests answered 500/503 without being processed. */
  error5xx?: number;
  /** Share of connections reset before the request is processed. */
  reset?: number;
}

export interface FaultDecision {
  latencyMs: number;
  drop: boolean;
  error5xx: boolean;
  reset: boolean;
}

const NONE: FaultDecision = { latencyMs: 0, drop: false, error5xx: false, reset: false };

export function parseFaultRules(value: unknown): FaultRule[] {
  const rules = (value as { rules?: unknown })?.rules ?? value;
  if (!Array.isArray(rules)) throw new Error('faults must be { rules: [...] }');
  return rules.map((r) => {
    const rule = r as FaultRule;
    if (!['alipay', 'wechat', '*'].includes(rule.wallet) || typeof rule.method !== 'string') throw new Error('each rule needs wallet (alipay|wechat|*) and method');
    for (const share of [rule.dropAfterCommit, rule.error5xx, rule.reset]) {
      if (share !== undefined && (typeof share !== 'number' || share < 0 || share > 1)) throw new Error('shares must be numbers from 0 to 1');
    }
    return rule;
  });
}

/** Holds the current rules and rolls the dice for each wallet request (randomness is not money). */
export class Faults {
  rules: FaultRule[] = [];

  decide(wallet: 'alipay' | 'wechat', method: string): FaultDecision {
    const rule = this.rules.find((r) => (r.wallet === '*' || r.wallet === wallet) && (r.method === '*' || r.method === method));
    if (!rule) return NONE;
    const latency = Array.isArray(rule.latencyMs) ? rule.latencyMs[0] + Math.random() * (rule.latencyMs[1] - rule.latencyMs[0]) : (rule.latencyMs ?? 0);
    const roll = Math.random();
    const reset = roll < (rule.reset ?? 0);
    const error5xx = !reset && roll < (rule.reset ?? 0) + (rule.error5xx ?? 0);
    return { latencyMs: latency, reset, error5xx, drop: !reset && !error5xx && Math.random() < (rule.dropAfterCommit ?? 0) };
  }
}

/**
 * Runs a wallet request under a fault decision: reset or 5xx before processing, latency, then the
 * processing itself (which commits), then either the answer or a dropped connection.
 */
export async function underFaults(reply: FastifyReply, decision: FaultDecision, process: () => Promise<{ contentType: string; body: string | Buffer }>): Promise<void> {
  if (decision.reset) return destroy(reply);
  if (decision.latencyMs > 0) await sleep(decision.latencyMs);
  if (decision.error5xx) {
    await reply.status(Math.random() < 0.5 ? 500 : 503).type('text/plain').send('simulated wallet outage');
    return;
  }
  const answer = await process();
  if (decision.drop) return destroy(reply);
  await reply.type(answer.contentType).send(answer.body);
}

function destroy(reply: FastifyReply): void {
  reply.hijack();
  reply.raw.socket?.destroy();
}
