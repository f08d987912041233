import type { Connector, WalletCallRecord } from '@counterpay/core';
import { AlipayConnector } from '../alipay/alipay-connector.ts';
import { postToWallet } from '../wallet-http.ts';
import { WechatPayConnector } from '../wechatpay/wechatpay-connector.ts';
import type { ChildResult, ChildStep } from './child-process-calls.ts';

/** The child side of runWithExtraCa: reads the steps on stdin, runs them in order, prints the results. */
async function main(): Promise<void> {
  let input = '';
  for await (const chunk of process.stdin) input += String(chunk);
  // QR requests carry a Date; JSON carries it as text.
  const steps = JSON.parse(input, (key, value: unknown) => (key === 'expiresAt' && typeof value === 'string' ? new Date(value) : value)) as ChildStep[];
  const results: ChildResult[] = [];
  for (const step of steps) results.push(await runStep(step));
  // Exit once written: keep-alive pools would otherwise hold the process open.
  process.stdout.write(JSON.stringify(results), () => process.exit(0));
}

async function runStep(step: ChildStep): Promise<ChildResult> {
  if (step.call === 'post') {
    const post = { url: step.url, body: step.body ?? '', contentType: 'text/plain', timeoutMs: step.timeoutMs };
    return { result: await postToWallet(step.clientIdentity ? { ...post, clientIdentity: step.clientIdentity } : post), calls: [] };
  }
  const connector: Connector =
    step.wallet === 'alipay' ? new AlipayConnector({ gatewayUrl: step.url, timeoutMs: step.timeoutMs }) : new WechatPayConnector({ baseUrl: step.url, timeoutMs: step.timeoutMs });
  const calls: WalletCallRecord[] = [];
  const ctx = { credentials: step.credentials, onCall: (call: WalletCallRecord) => calls.push(call) };
  const method = connector[step.method] as (...args: unknown[]) => Promise<unknown>;
  return { result: await method.call(connector, ctx, ...step.args), calls };
}

await main();
