import { randomBytes, randomInt } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { parseFaultRules } from './faults.ts';
import { registerMerchant, registerSubMerchant } from './merchant-registration.ts';
import type { SimContext } from './sim-context.ts';
import type { Consumer } from './store.ts';

/** A one-time payment code is valid this long (the real wallets refresh theirs every minute). */
export const CODE_VALIDITY_MS = 60_000;

const digits = (n: number) => Array.from({ length: n }, () => randomInt(10)).join('');

/** A fresh one-time payment code: 18 digits, Alipay 28…, WeChat 13…, never a test code. */
export function issueCode(sim: SimContext, consumer: Consumer, wallet: 'alipay' | 'wechat') {
  let code: string;
  do code = `${wallet === 'alipay' ? '28' : '13'}${randomInt(1, 10)}${digits(15)}`;
  while (sim.store.codes.has(code));
  const record = { code, wallet, consumerId: consumer.id, expiresAt: Date.now() + CODE_VALIDITY_MS, usedAt: null };
  sim.store.saveCode(record);
  return { wallet, code, expiresAt: new Date(record.expiresAt).toISOString() };
}

export function createConsumer(sim: SimContext, input: { name: string; password?: string; balances?: Record<string, number> }): Consumer {
  const consumer: Consumer = {
    id: `c_${randomBytes(6).toString('hex')}`,
    name: input.name,
    login: `${input.name.toLowerCase().replace(/[^a-z0-9]+/g, '.')}@sim.example`,
    password: input.password ?? '123456',
    balances: input.balances ?? { CNY: 1_000_000, HKD: 500_000 },
    history: [],
  };
  sim.store.saveConsumer(consumer);
  return consumer;
}

const publicConsumer = ({ password: _secret, ...rest }: Consumer) => rest;

/** Operator endpoints: registration, the ledger (ground truth), consumers and fault knobs. */
export const adminRoutes =
  (sim: SimContext): FastifyPluginAsync =>
  async (app) => {
    app.post('/admin/merchants', async (request, reply) => {
      const body = (request.body ?? {}) as { name?: unknown; partner?: unknown };
      const name = typeof body.name === 'string' && body.name ? body.name : 'merchant';
      if (body.partner === undefined) return registerMerchant(sim, name);
      const registered = registerSubMerchant(sim, String(body.partner), name);
      return registered ?? reply.status(404).send({ error: `no registered WeChat Pay merchant with mch_id ${String(body.partner)} to be the partner` });
    });

    app.get('/admin/ledger', async (request) => sim.book.ledger((request.query as { merchant?: string }).merchant));

    app.get('/admin/consumers', async () => [...sim.store.consumers.values()].map(publicConsumer));

    app.post('/admin/consumers', async (request, reply) => {
      const body = (request.body ?? {}) as { name?: unknown; password?: unknown; balances?: unknown };
      if (typeof body.name !== 'string' || !body.name) return reply.status(400).send({ error: 'name is required' });
      const balances = body.balances as Record<string, number> | undefined;
      if (balances && !Object.values(balances).every((v) => Number.isSafeInteger(v) && v >= 0)) return reply.status(400).send({ error: 'balances are integer minor units' });
      return publicConsumer(createConsumer(sim, { name: body.name, ...(typeof body.password === 'string' ? { password: body.password } : {}), ...(balances ? { balances } : {}) }));
    });

    app.post<{ Params: { id: string } }>('/admin/consumers/:id/codes', async (request, reply) => {
      const consumer = sim.store.consumers.get(request.params.id);
      const wallet = (request.body as { wallet?: string } | undefined)?.wallet;
      if (!consumer) return reply.status(404).send({ error: 'no such consumer' });
      if (wallet !== 'alipay' && wallet !== 'wechat') return reply.status(400).send({ error: 'wallet must be alipay or wechat' });
      return issueCode(sim, consumer, wallet);
    });

    app.get('/admin/faults', async () => ({ rules: sim.faults.rules }));
    app.post('/admin/faults', async (request, reply) => {
      try {
        sim.faults.rules = parseFaultRules(request.body);
        return { rules: sim.faults.rules };
      } catch (error) {
        return reply.status(400).send({ error: (error as Error).message });
      }
    });
    app.delete('/admin/faults', async () => {
      sim.faults.rules = [];
      return { rules: [] };
    });
    app.get('/healthz', async () => ({ status: 'ok' }));
  };
