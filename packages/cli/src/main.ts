import { parseArgs } from 'node:util';
import { merchantsCreate, merchantsSettings } from './commands/merchants.ts';
import { cancel, pay, refund, status } from './commands/payments.ts';
import { reconcileCommand } from './commands/reconcile.ts';
import { simRegister } from './commands/sim-register.ts';
import { webhooks } from './commands/webhooks.ts';
import { serve, sim, start } from './commands/servers.ts';
import { wallets } from './commands/wallets.ts';

const USAGE = `counterpay — in-store wallet payment gateway

Usage:
  counterpay start                      gateway + wallet simulator (what \`npm start\` runs)
  counterpay serve                      gateway only
  counterpay sim [--tls]                wallet simulator only (--tls or SIM_TLS=1: HTTPS with its own CA in DATA_DIR)
  counterpay sim register --json [--partner MCH_ID]
                                        register a wallet merchant at the running simulator
                                        (--partner: a WeChat Pay sub-merchant of that merchant)
  counterpay merchants create --name NAME [--currency CNY] --json
  counterpay merchants settings --merchant ID [--late-success refund|accept] [--json]
  counterpay pay --amount 100 --currency CNY --barcode 280000000000000001 [--order ID] [--wait 30]
  counterpay pay --amount 100 --qr any|alipay|wechat [--expires-in 300]
                                        QR payment: prints the code, waits until paid (Ctrl-C cancels it)
  counterpay cancel PAYMENT_ID           the cashier gives up: cancel a processing payment at the wallet
  counterpay refund PAYMENT_ID [--amount 50] [--reason TEXT]
  counterpay status PAYMENT_ID
  counterpay webhooks create --endpoint URL [--events payment.succeeded,…] [--format native|omise] | list | rotate ID | replay ID --since T | delete ID
  counterpay wallets connect alipay|wechat --merchant ID …   connect the merchant's own wallet accounts (see wallets --help)
  counterpay wallets list --merchant ID [--mode live|test]
  counterpay reconcile --date YYYY-MM-DD [--wallet alipay|wechat] [--merchant ID] [--mode test|live] [--json]
                                        reconcile that China day's wallet statements now (exit 1: a difference needs a person)
  counterpay reconcile --against-sim [--json]   compare payments and refunds with the simulator's ledger

Options for pay/refund/status: --key sk_test_… (default: COUNTERPAY_API_KEY or the demo merchant's key)
and --url (default: COUNTERPAY_URL or http://HOST:PORT).
Environment: PORT, SIM_PORT, HOST, DATA_DIR, DATABASE_URL, SIM_URL, BUYER_CONFIRM_DEADLINE_S,
NOTIFY_RETRY_SCHEDULE, LOG_LEVEL, LOG_FORMAT (json: pino JSON lines), SIM_TLS (see the README).`;

/** The options of every command but `wallets` (which parses its own). */
const OPTIONS = {
  name: { type: 'string' },
  currency: { type: 'string' },
  json: { type: 'boolean', default: false },
  amount: { type: 'string' },
  barcode: { type: 'string' },
  qr: { type: 'string' },
  endpoint: { type: 'string' },
  events: { type: 'string' },
  format: { type: 'string' },
  since: { type: 'string' },
  order: { type: 'string' },
  wait: { type: 'string' },
  reason: { type: 'string' },
  'expires-in': { type: 'string' },
  key: { type: 'string' },
  url: { type: 'string' },
  'against-sim': { type: 'boolean', default: false },
  tls: { type: 'boolean', default: false },
  partner: { type: 'string' },
  date: { type: 'string' },
  merchant: { type: 'string' },
  mode: { type: 'string' },
  wallet: { type: 'string' },
  'late-success': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** Each command's own help (`counterpay help CMD` or `counterpay CMD --help`). */
const COMMAND_HELP: Record<string, string> = {
  start: 'counterpay start\n  The gateway and the wallet simulator together (what `npm start` runs); makes a demo merchant on the first start.\n  Prints one line per payment and refund outcome; LOG_LEVEL=debug adds request logs, LOG_FORMAT=json logs JSON lines (pino).\n  Environment: PORT (8080), SIM_PORT (8090), HOST, DATA_DIR, DATABASE_URL, SIM_TLS, LOG_LEVEL, LOG_FORMAT.',
  serve: 'counterpay serve\n  The gateway only (SIM_URL says where the wallets are). Environment as for start.',
  sim: 'counterpay sim [--tls]\n  The wallet simulator only; --tls (or SIM_TLS=1) serves HTTPS with its own CA in DATA_DIR.\ncounterpay sim register --json [--partner MCH_ID]\n  Registers a wallet merchant at the running simulator (--partner: a WeChat Pay sub-merchant).',
  merchants: 'counterpay merchants create --name NAME [--currency CNY] [--json]\n  Creates a merchant (store, terminal, operator, test and live keys) in the configured database; no server needed.\ncounterpay merchants settings --merchant ID [--late-success refund|accept] [--json]\n  Shows or sets what happens when a wallet takes money for a payment counterpay closed or failed: refund it (default) or accept it as succeeded.',
  pay: 'counterpay pay --amount N [--currency CNY] (--barcode CODE | --qr any|alipay|wechat [--expires-in SECONDS]) [--order ID] [--wait SECONDS] [--json]\n  N is in minor units (fen, cents). Waits until the payment ends (120 s; QR: until its code expires, 300 s unless --expires-in, plus 30 s).\n  Ctrl-C while a QR payment waits cancels it (exit 130). Exit 0 succeeded, 2 otherwise.',
  cancel: 'counterpay cancel PAYMENT_ID [--json]\n  Cancels a processing payment at the wallet. Exit 0 when the buyer was not charged, 2 when the buyer paid first.',
  refund: 'counterpay refund PAYMENT_ID [--amount N] [--reason TEXT] [--json]\n  Refunds all that is left, or N minor units.',
  status: 'counterpay status PAYMENT_ID [--json]',
  webhooks: 'counterpay webhooks create --endpoint URL [--events payment.succeeded,…] [--format native|omise] | list | rotate ID | replay ID --since T | delete ID',
  reconcile:
    'counterpay reconcile --date YYYY-MM-DD [--wallet alipay|wechat] [--merchant ID] [--mode test|live] [--json]\n  Downloads that China day\'s wallet statements now, matches them with the payments and refunds, repairs what is safe and prints the report\n  (--json: { date, matched, differences, gross, refunds, fees, net, … }). Through the gateway with --url/--key, or with --merchant straight in the database.\n  Exit 0 when every difference was repaired, 1 when some need a person.\ncounterpay reconcile --against-sim [--json]\n  Compares payments and refunds with the simulator\'s ledger; exit 1 on a difference.',
};

/** parseArgs' complaint about an option value in the CLI's own words. */
function readableParseError(error: Error): Error {
  const option = /Option '(--[a-z-]+)/.exec(error.message)?.[1];
  if ((error as { code?: string }).code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) {
    return new Error(`${option} needs a value${option === '--amount' ? ': a positive whole number in minor units (a negative amount is not one)' : ''}`);
  }
  return error;
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'help') {
    console.log((argv[1] && COMMAND_HELP[argv[1]]) ?? USAGE);
    return 0;
  }
  // `wallets` has options of its own (credential files), parsed by its command.
  if (argv[0] === 'wallets') return wallets(argv.slice(1));
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  } catch (error) {
    throw readableParseError(error as Error);
  }
  const { values, positionals } = parsed;
  const [command, sub] = positionals;
  if (values.help || !command) {
    console.log((command && COMMAND_HELP[command]) ?? USAGE);
    return values.help ? 0 : 1;
  }
  switch (command) {
    case 'start':
      return start();
    case 'serve':
      return serve();
    case 'sim':
      return sub === 'register' ? simRegister(values) : sim({ tls: values.tls });
    case 'merchants':
      if (sub === 'create') return merchantsCreate(values);
      if (sub === 'settings') return merchantsSettings(values);
      break;
    case 'pay':
      return pay(values);
    case 'refund':
      return refund(sub, values);
    case 'cancel':
      return cancel(sub, values);
    case 'status':
      return status(sub, values);
    case 'webhooks':
      return webhooks(sub, positionals[2], values);
    case 'reconcile':
      return reconcileCommand(values);
  }
  console.error(`unknown command: ${positionals.join(' ')}\n\n${USAGE}`);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    // Server commands return 0 once listening; their open sockets keep the process alive.
    process.exitCode = code;
  },
  (error: Error) => {
    console.error(`counterpay: ${error.message}`);
    process.exitCode = 1;
  },
);
