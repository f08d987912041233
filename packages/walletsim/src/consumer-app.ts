import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import bwipjs from 'bwip-js';
import QRCode from 'qrcode';
import { issueCode } from './admin-routes.ts';
import { confirmQrPayment, scanMerchantCode } from './consumer-actions.ts';
import { minorToDecimal } from './money.ts';
import type { SimContext } from './sim-context.ts';
import type { Consumer } from './store.ts';
import type { Trade, WalletName } from './wallet-book.ts';

const esc = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const walletName = (w: WalletName) => (w === 'alipay' ? 'Alipay' : 'WeChat Pay');
const money = (amount: number, currency: string) => `${minorToDecimal(amount, currency)} ${currency}`;

function layout(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)} · wallet simulator</title><style>
body{font-family:system-ui,sans-serif;max-width:26rem;margin:0 auto;padding:1rem;background:#f5f6f8}
.card{background:#fff;border-radius:12px;padding:1rem;margin:.75rem 0;box-shadow:0 1px 3px #0002}
a.button,button{display:inline-block;padding:.6rem 1rem;border-radius:8px;border:0;background:#1677ff;color:#fff;text-decoration:none;font-size:1rem;cursor:pointer}
a.wechat,button.wechat{background:#07c160} textarea,input{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem;margin:.25rem 0}
.amount{font-size:2rem;font-weight:600} .muted{color:#666;font-size:.9rem} svg{max-width:100%;height:auto}
</style></head><body><h1>${esc(title)}</h1>${body}<p class="muted"><a href="/app">All demo consumers</a></p></body></html>`;
}

/**
 * The consumer wallet app, served as web pages: pick a demo consumer, see balances and history, show
 * a one-time payment code (barcode and QR, refreshed every 60 s), "scan" a merchant QR code by pasting
 * its content, and confirm with the password. It stands in for a phone in demos and tests.
 */
export const consumerApp =
  (sim: SimContext): FastifyPluginAsync =>
  async (app) => {
    const html = (reply: FastifyReply, status: number, title: string, body: string) => reply.status(status).type('text/html; charset=utf-8').send(layout(title, body));
    const consumerOr404 = (id: string) => sim.store.consumers.get(id);

    app.get('/app', async (_request, reply) => {
      const list = [...sim.store.consumers.values()]
        .map((c) => `<div class="card"><a href="/app/c/${esc(c.id)}"><b>${esc(c.name)}</b></a><div class="muted">${balances(c)}</div></div>`)
        .join('');
      return html(reply, 200, 'Choose a consumer', list);
    });

    app.get<{ Params: { id: string } }>('/app/c/:id', async (request, reply) => {
      const c = consumerOr404(request.params.id);
      if (!c) return html(reply, 404, 'Unknown consumer', '');
      const history = c.history.slice(0, 20).map((h) => `<li>${esc(h.at.slice(0, 19).replace('T', ' '))} · ${walletName(h.wallet)} · ${esc(h.description)} · ${money(h.amount, h.currency)}</li>`).join('');
      return html(
        reply,
        200,
        c.name,
        `<div class="card"><div class="muted">Balances</div><div data-testid="balances">${balances(c)}</div></div>
<div class="card"><div class="muted">Pay at the counter: show your code</div>
<a class="button" href="/app/c/${esc(c.id)}/code?wallet=alipay">Alipay code</a> <a class="button wechat" href="/app/c/${esc(c.id)}/code?wallet=wechat">WeChat Pay code</a></div>
<div class="card"><form method="post" action="/app/c/${esc(c.id)}/scan"><div class="muted">Scan a merchant's QR code (paste its content or URL)</div>
<textarea name="content" rows="3" required data-testid="scan-content"></textarea>
<button name="wallet" value="alipay" data-testid="scan-alipay">Open with Alipay</button> <button class="wechat" name="wallet" value="wechat" data-testid="scan-wechat">Open with WeChat</button></form></div>
<div class="card"><div class="muted">History</div><ul data-testid="history">${history || '<li>No payments yet</li>'}</ul></div>`,
      );
    });

    app.get<{ Params: { id: string }; Querystring: { wallet?: string } }>('/app/c/:id/code', async (request, reply) => {
      const c = consumerOr404(request.params.id);
      const wallet = request.query.wallet === 'wechat' ? 'wechat' : 'alipay';
      if (!c) return html(reply, 404, 'Unknown consumer', '');
      const { code, expiresAt } = issueCode(sim, c, wallet);
      const barcode = bwipjs.toSVG({ bcid: 'code128', text: code, height: 14 });
      const qr = await QRCode.toString(code, { type: 'svg', margin: 1 });
      return html(
        reply,
        200,
        `${walletName(wallet)} payment code`,
        `<div class="card" style="text-align:center">${barcode}<div data-testid="payment-code" style="font-family:monospace;font-size:1.2rem">${code}</div>${qr}
<p class="muted">Valid for <span id="left">60</span> s; a new code appears when it runs out.</p></div>
<script>const until=${Date.parse(expiresAt)};setInterval(()=>{const s=Math.max(0,Math.round((until-Date.now())/1000));document.getElementById('left').textContent=s;if(s===0)location.reload()},500)</script>
<p><a href="/app/c/${esc(c.id)}">Back</a></p>`,
      );
    });

    app.post<{ Params: { id: string }; Body: { content?: string; wallet?: string } }>('/app/c/:id/scan', async (request, reply) => {
      const c = consumerOr404(request.params.id);
      if (!c) return html(reply, 404, 'Unknown consumer', '');
      const wallet: WalletName = request.body?.wallet === 'wechat' ? 'wechat' : 'alipay';
      const scanned = await scanMerchantCode(sim, wallet, String(request.body?.content ?? ''));
      if (scanned.kind === 'refused') return html(reply, 400, 'Cannot pay this code', `<div class="card" data-testid="message">${esc(scanned.message)}</div>`);
      return reply.redirect(`/app/c/${encodeURIComponent(c.id)}/pay/${encodeURIComponent(scanned.trade.qrToken!)}`, 303);
    });

    app.get<{ Params: { id: string; token: string } }>('/app/c/:id/pay/:token', async (request, reply) => {
      const c = consumerOr404(request.params.id);
      const trade = sim.book.findByQrToken(request.params.token);
      if (!c || !trade) return html(reply, 404, 'Unknown payment', '');
      return html(reply, 200, `Pay with ${walletName(trade.wallet)}`, confirmForm(c, trade));
    });

    app.post<{ Params: { id: string; token: string }; Body: { password?: string } }>('/app/c/:id/pay/:token', async (request, reply) => {
      const c = consumerOr404(request.params.id);
      const trade = sim.book.findByQrToken(request.params.token);
      if (!c || !trade) return html(reply, 404, 'Unknown payment', '');
      const outcome = confirmQrPayment(sim, c, trade, String(request.body?.password ?? ''));
      if (outcome === 'paid') {
        return html(reply, 200, 'Paid', `<div class="card"><p class="amount" data-testid="paid">✓ ${money(trade.amount, trade.currency)}</p><p>${esc(trade.subject)}</p></div><p><a class="button" href="/app/c/${esc(c.id)}">Done</a></p>`);
      }
      const message = { wrong_password: 'Wrong password.', insufficient_balance: 'Your balance is not enough.', not_payable: 'This order can no longer be paid (paid, closed or expired).' }[outcome];
      return html(reply, 400, 'Payment not made', `<div class="card" data-testid="message">${message}</div>${outcome === 'wrong_password' ? confirmForm(c, trade) : ''}`);
    });

    /** The same flow as JSON, for scripts and API tests: scan + confirm in one call. */
    app.post<{ Params: { id: string }; Body: { content?: string; wallet?: string; password?: string } }>('/app/api/consumers/:id/pay-qr', async (request, reply) => {
      const c = consumerOr404(request.params.id);
      if (!c) return reply.status(404).send({ error: 'no such consumer' });
      const wallet: WalletName = request.body?.wallet === 'wechat' ? 'wechat' : 'alipay';
      const scanned = await scanMerchantCode(sim, wallet, String(request.body?.content ?? ''));
      if (scanned.kind === 'refused') return reply.status(400).send({ error: scanned.message });
      const outcome = confirmQrPayment(sim, c, scanned.trade, String(request.body?.password ?? c.password));
      return reply.status(outcome === 'paid' ? 200 : 400).send({ outcome, outTradeNo: scanned.trade.outTradeNo, amount: scanned.trade.amount, currency: scanned.trade.currency });
    });

    /** What a phone camera app would open: the order lives in the wallet apps. */
    app.get<{ Params: { token: string } }>('/qr/:token', async (request, reply) => {
      const trade = sim.book.findByQrToken(request.params.token);
      if (!trade) return html(reply, 404, 'Unknown code', '');
      return html(reply, 200, `${walletName(trade.wallet)} order`, `<div class="card"><p class="amount">${money(trade.amount, trade.currency)}</p><p>Open this code in the consumer app (<a href="/app">/app</a>) to pay.</p></div>`);
    });
  };

function balances(c: Consumer): string {
  return Object.entries(c.balances).map(([cur, amount]) => `${money(amount, cur)}`).join(' · ');
}

function confirmForm(c: Consumer, trade: Trade): string {
  return `<div class="card"><p class="amount" data-testid="order-amount">${money(trade.amount, trade.currency)}</p><p>${esc(trade.subject || trade.outTradeNo)}</p>
<form method="post" action="/app/c/${esc(c.id)}/pay/${esc(trade.qrToken!)}"><input type="password" name="password" inputmode="numeric" placeholder="6-digit password" required data-testid="password">
<button data-testid="confirm">Confirm payment</button></form><p class="muted">Demo password: 123456</p></div>`;
}
