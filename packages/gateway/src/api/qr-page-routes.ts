import type { FastifyPluginAsync } from 'fastify';
import { CounterpayError, type PaymentStatus, type Wallet, formatDecimalAmount, isCurrency } from '@counterpay/core';
import type { PaymentRow } from '../payments/objects.ts';
import type { QrPaymentService } from '../payments/qr-payment-service.ts';

/** Which wallet app opened the page, from its User-Agent (Alipay: AlipayClient; WeChat: MicroMessenger). */
export function walletFromUserAgent(userAgent: string | undefined): Wallet | null {
  if (!userAgent) return null;
  if (/AlipayClient/i.test(userAgent)) return 'alipay';
  if (/MicroMessenger/i.test(userAgent)) return 'wechat';
  return null;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;text-align:center}
.amount{font-size:2rem;font-weight:600}.apps{color:#555}</style></head><body>${body}</body></html>`;
}

/** What a code says once its payment has ended; an open payment (null) can still be paid. */
const PAID = { status: 200, title: 'Paid', heading: 'Paid', text: 'Thank you.' };
const GONE = { status: 410, title: 'Expired', heading: 'This code is no longer valid', text: 'Ask the cashier for a new code.' };
const ENDED_PAGES: Record<PaymentStatus, typeof PAID | null> = { processing: null, succeeded: PAID, failed: GONE, closed: GONE };

function amountText(payment: PaymentRow): string {
  return isCurrency(payment.currency) ? `${formatDecimalAmount(payment.amount, payment.currency)} ${payment.currency}` : `${payment.amount}`;
}

/**
 * The one-for-all QR code's URL (`/q/:id`). A wallet app that opens it is sent on to that wallet's
 * own payment page; any other browser is told which apps can pay.
 */
export const qrPageRoutes =
  (qrPayments: QrPaymentService): FastifyPluginAsync =>
  async (app) => {
    app.get<{ Params: { id: string } }>('/q/:id', { schema: { hide: true } }, async (request, reply) => {
      const html = (status: number, title: string, body: string) => reply.status(status).type('text/html; charset=utf-8').send(page(title, body));
      const payment = await qrPayments.findForQrPage(request.params.id);
      if (!payment || payment.flow !== 'qr') return html(404, 'Unknown code', '<h1>Unknown payment code</h1><p>Ask the cashier for a new code.</p>');
      const heading = `<p class="amount">${escapeHtml(amountText(payment))}</p>`;
      const ended = ENDED_PAGES[payment.status];
      if (ended) return html(ended.status, ended.title, `<h1>${ended.heading}</h1>${heading}<p>${ended.text}</p>`);
      const wallet = walletFromUserAgent(request.headers['user-agent']);
      if (!wallet) {
        return html(200, 'Scan to pay', `<h1>Scan to pay</h1>${heading}<p class="apps">Open this code with <b>Alipay</b> or <b>WeChat Pay</b> to pay.</p>`);
      }
      try {
        const opened = await qrPayments.openInWallet(payment.id, wallet);
        if (opened.qr_code) return reply.redirect(opened.qr_code, 302);
        return html(503, 'Try again', `<h1>The wallet is not answering</h1>${heading}<p>Scan the code again in a moment.</p>`);
      } catch (error) {
        if (error instanceof CounterpayError) return html(409, 'Cannot pay', `<h1>Cannot pay</h1><p>${escapeHtml(error.message)}</p>`);
        throw error;
      }
    });
  };
