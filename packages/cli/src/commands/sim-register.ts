import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { CA_CERT_FILE } from '@counterpay/walletsim';
import { clientConfig } from '../client-config.ts';
import { simulatorUrl } from './servers.ts';

/**
 * Registers a wallet merchant at the running simulator, for any Alipay / WeChat Pay client library;
 * with `--partner MCH_ID`, a WeChat Pay sub-merchant of that registered merchant instead.
 */
export async function simRegister(values: { name?: string | undefined; json?: boolean | undefined; partner?: string | undefined }): Promise<number> {
  const config = clientConfig();
  const simUrl = simulatorUrl(config);
  const body = { name: values.name ?? 'cli', ...(values.partner ? { partner: values.partner } : {}) };
  let response: { status: number; text: string };
  try {
    response = await postJson(`${simUrl}/admin/merchants`, body, simulatorCa(config.dataDir));
  } catch (error) {
    console.error(`cannot reach the wallet simulator at ${simUrl} (${(error as Error).message}); start it with \`counterpay sim\`.`);
    return 1;
  }
  if (response.status !== 200) {
    console.error(`the simulator refused: HTTP ${response.status} (${errorMessage(response.text)})`);
    return 1;
  }
  const registration = JSON.parse(response.text) as unknown;
  console.log(values.json ? JSON.stringify(registration, null, 2) : registration);
  if (!values.json) console.log(`Alipay gateway: ${simUrl}/gateway.do   WeChat Pay v2: ${simUrl}/pay/micropay …`);
  return 0;
}

function errorMessage(text: string): string {
  try {
    return String((JSON.parse(text) as { error?: unknown }).error ?? text);
  } catch {
    return text.slice(0, 200);
  }
}

/** The simulator's CA from DATA_DIR, if it ever served TLS there (`counterpay sim --tls` writes it). */
function simulatorCa(dataDir: string): string | undefined {
  const file = join(dataDir, CA_CERT_FILE);
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

/**
 * POSTs JSON with Node's own client: unlike fetch it takes a CA per call, so the CLI trusts the
 * simulator's CA (beside the system's) without NODE_EXTRA_CA_CERTS.
 */
function postJson(url: string, body: unknown, simCa: string | undefined): Promise<{ status: number; text: string }> {
  const target = new URL(url);
  const payload = JSON.stringify(body);
  const options = {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    signal: AbortSignal.timeout(10_000),
    ...(target.protocol === 'https:' && simCa ? { ca: [...rootCertificates, simCa] } : {}),
  };
  return new Promise((resolve, reject) => {
    const request = (target.protocol === 'https:' ? https : http).request(target, options, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(payload);
  });
}
