import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { AlipaySdk } from 'alipay-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateAuthority, toPkcs12Base64 } from './certificates/certificate-authority.ts';
import { CA_CERT_FILE, CERTIFICATE_REFUSED, type MerchantRegistration, type RunningSimulator, startSimulator } from './index.ts';
import { type TenpayCall, tenpayInChild } from './testing/tenpay-in-child.ts';
import { buildXml, parseXml, wechatSign } from './wechat/wechat-crypto.ts';

/**
 * The simulator over TLS, checked with clients it shares no code with: alipay-sdk in certificate mode
 * (trusting the simulator's CA through its HTTP client's dispatcher) and tenpay presenting the issued
 * PKCS#12 certificate (in a child process that trusts DATA_DIR/sim-ca.pem through NODE_EXTRA_CA_CERTS).
 */
const require = createRequire(import.meta.url);
// The undici Agent of alipay-sdk's own HTTP client (urllib), so the SDK's requests trust the simulator's CA.
const { Agent } = createRequire(require.resolve('alipay-sdk'))('urllib') as { Agent: new (options: { connect: { ca: string } }) => object };

let dir: string;
let sim: RunningSimulator;
let caFile: string;
let ca: string;
type TlsRegistration = MerchantRegistration & { ca: string; wechat: Required<MerchantRegistration['wechat']> };

let merchant: TlsRegistration;
let other: TlsRegistration;
let n = 0;
const orderNo = () => `tls-${Date.now()}-${n++}`;

function start(): Promise<RunningSimulator> {
  return startSimulator({ port: 0, tls: true, caDir: dir, dbFile: join(dir, 'walletsim.db'), confirmDelayMs: 200 });
}

/** One HTTPS request trusting only the simulator's CA (plus an optional client certificate). */
function request(path: string, init: { method?: string; body?: string; contentType?: string; cert?: string; key?: string } = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${sim.url}${path}`, { method: init.method ?? 'GET', ca, headers: init.contentType ? { 'content-type': init.contentType } : {}, ...(init.cert ? { cert: init.cert, key: init.key } : {}) }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

async function register(): Promise<TlsRegistration> {
  const response = await request('/admin/merchants', { method: 'POST', body: '{"name":"tls test"}', contentType: 'application/json' });
  return JSON.parse(response.text) as TlsRegistration;
}

type CertificateContents = Partial<Record<'appCertContent' | 'alipayPublicCertContent' | 'alipayRootCertContent', string>>;

/** alipay-sdk in certificate mode with the merchant's issued certificates (or some replaced). */
const sdk = (who: MerchantRegistration, certificates: CertificateContents = {}) =>
  new AlipaySdk({
    appId: who.alipay.appId,
    privateKey: who.alipay.appPrivateKey,
    keyType: 'PKCS8',
    appCertContent: who.alipay.appCertPem,
    alipayPublicCertContent: who.alipay.alipayCertPem,
    alipayRootCertContent: who.alipay.alipayRootCertPem,
    ...certificates,
    gateway: `${sim.url}/gateway.do`,
    endpoint: sim.url,
    proxyAgent: new Agent({ connect: { ca } }) as never,
  });

const tenpay = (who: MerchantRegistration, call: Omit<TenpayCall, 'baseUrl' | 'config'>) =>
  tenpayInChild(caFile, { baseUrl: sim.url, config: { appid: who.wechat.appId, mchid: who.wechat.mchId, partnerKey: who.wechat.apiKey }, ...call });

const publicKeyOf = (privateKeyPem: string) => createPublicKey(privateKeyPem).export({ type: 'spki', format: 'pem' }).toString();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'walletsim-tls-'));
  caFile = join(dir, CA_CERT_FILE);
  sim = await start();
  ca = readFileSync(caFile, 'utf8');
  merchant = await register();
  other = await register();
});
afterAll(async () => {
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the simulator over TLS', () => {
  it('serves HTTPS with a loopback certificate from its own CA, which it writes to DATA_DIR and hands out at registration', async () => {
    expect(sim.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(merchant.ca).toBe(ca);
    const serverCert = await new Promise<X509Certificate>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: Number(new URL(sim.url).port), ca, servername: 'localhost' }, () => {
        resolve(socket.getPeerX509Certificate()!);
        socket.end();
      });
      socket.on('error', reject);
    });
    expect(serverCert.checkIssued(new X509Certificate(ca))).toBe(true);
    expect([serverCert.checkIP('127.0.0.1'), serverCert.checkIP('::1'), serverCert.checkHost('localhost')]).toEqual(['127.0.0.1', '::1', 'localhost']);
    // Not a publicly trusted certificate: a client that does not trust the CA refuses the connection.
    await expect(fetch(`${sim.url}/healthz`)).rejects.toThrow();
  });

  it('issues a WeChat Pay client certificate for the mch_id, as PEM and as a PKCS#12 file whose password is the mch id', () => {
    const cert = new X509Certificate(merchant.wechat.certPem);
    expect(cert.subject).toContain(`CN=${merchant.wechat.mchId}`);
    expect(cert.checkIssued(new X509Certificate(ca))).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(merchant.wechat.keyPem))).toBe(true);
    expect(Buffer.from(merchant.wechat.p12, 'base64').length).toBeGreaterThan(1000);
  });
});

describe('WeChat Pay /secapi/ over TLS (tenpay with the issued p12)', () => {
  it('refunds and reverses with the certificate issued for the mch_id; other paths need none', async () => {
    const paid = orderNo();
    expect((await tenpay(merchant, { method: 'micropay', params: { out_trade_no: paid, body: 'tea', total_fee: 500, auth_code: '130000000000000001' } })).answer).toMatchObject({ result_code: 'SUCCESS' });
    const refund = await tenpay(merchant, { method: 'refund', p12: merchant.wechat.p12, params: { out_trade_no: paid, out_refund_no: `${paid}-r`, total_fee: 500, refund_fee: 200 } });
    expect(refund.answer).toMatchObject({ result_code: 'SUCCESS', refund_fee: '200' });

    const waiting = orderNo();
    expect((await tenpay(merchant, { method: 'micropay', params: { out_trade_no: waiting, body: 'tea', total_fee: 100, auth_code: '130000000000000005' } })).error).toBe('USERPAYING');
    const reverse = await tenpay(merchant, { method: 'reverse', p12: merchant.wechat.p12, params: { out_trade_no: waiting } });
    expect(reverse.answer).toMatchObject({ result_code: 'SUCCESS', recall: 'N' });
  });

  it("refuses /secapi/ with another merchant's certificate, a certificate from another CA, or none, and changes nothing", async () => {
    const paid = orderNo();
    await tenpay(merchant, { method: 'micropay', params: { out_trade_no: paid, body: 'tea', total_fee: 300, auth_code: '130000000000000001' } });
    // tenpay opens the p12 with its own mch id: the wrong file, packed with that password, as a merchant might install it.
    const foreignP12 = toPkcs12Base64(other.wechat.certPem, other.wechat.keyPem, merchant.wechat.mchId);
    const strangerCa = CertificateAuthority.createRoot([{ shortName: 'CN', value: 'some other CA' }], 30);
    const strangerCert = strangerCa.issue({ subject: [{ shortName: 'CN', value: merchant.wechat.mchId }], publicKeyPem: publicKeyOf(merchant.wechat.keyPem), use: 'client', validDays: 30 });
    const strangerP12 = toPkcs12Base64(strangerCert, merchant.wechat.keyPem, merchant.wechat.mchId);
    for (const p12 of [foreignP12, strangerP12, undefined]) {
      const refund = await tenpay(merchant, { method: 'refund', ...(p12 ? { p12 } : {}), params: { out_trade_no: paid, out_refund_no: `${paid}-r`, total_fee: 300, refund_fee: 300 } });
      expect(refund.error).toBe(CERTIFICATE_REFUSED);
    }
    expect((await tenpay(merchant, { method: 'reverse', p12: foreignP12, params: { out_trade_no: paid } })).error).toBe(CERTIFICATE_REFUSED);
    const ledger = JSON.parse((await request(`/admin/ledger?merchant=${merchant.wechat.mchId}`)).text) as { charges: Array<{ outTradeNo: string; status: string }>; refunds: Array<{ outTradeNo: string }> };
    expect(ledger.charges.find((c) => c.outTradeNo === paid)?.status).toBe('paid');
    expect(ledger.refunds.filter((r) => r.outTradeNo === paid)).toEqual([]);
  });

  it('answers the refusal exactly as FAIL with the certificate message, before looking at the request', async () => {
    const fields = { appid: merchant.wechat.appId, mch_id: merchant.wechat.mchId, nonce_str: 'n1', out_trade_no: 'none' };
    const refused = await request('/secapi/pay/reverse', { method: 'POST', body: buildXml({ ...fields, sign: wechatSign(fields, merchant.wechat.apiKey, 'MD5') }) });
    expect(refused.status).toBe(200);
    expect(refused.text).toBe(`<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[${CERTIFICATE_REFUSED}]]></return_msg></xml>`);
    // The same call with the certificate as PEM files (apiclient_cert.pem, apiclient_key.pem) is accepted.
    const accepted = await request('/secapi/pay/reverse', { method: 'POST', body: buildXml({ ...fields, sign: wechatSign(fields, merchant.wechat.apiKey, 'MD5') }), cert: merchant.wechat.certPem, key: merchant.wechat.keyPem });
    expect(parseXml(accepted.text)).toMatchObject({ return_code: 'SUCCESS', result_code: 'SUCCESS' });
  });
});

describe('Alipay certificate mode (alipay-sdk with the issued certificates)', () => {
  it('pays and queries over TLS, the answers verified with the key of the Alipay certificate', async () => {
    const outTradeNo = orderNo();
    const pay = await sdk(merchant).exec('alipay.trade.pay', { bizContent: { out_trade_no: outTradeNo, scene: 'bar_code', auth_code: '280000000000000001', subject: 'tea', total_amount: '8.80' } }, { validateSign: true });
    expect(pay).toMatchObject({ code: '10000', outTradeNo, totalAmount: '8.80' });
    const query = await sdk(merchant).exec('alipay.trade.query', { bizContent: { out_trade_no: outTradeNo } }, { validateSign: true });
    expect(query).toMatchObject({ code: '10000', tradeStatus: 'TRADE_SUCCESS' });
  });

  it('answers with alipay_cert_sn, the SN alipay-sdk computes for the Alipay certificate', async () => {
    const client = sdk(merchant);
    const body = client.sdkExecute('alipay.trade.query', { bizContent: { out_trade_no: 'no-such-order' } });
    const { text } = await request('/gateway.do', { method: 'POST', body, contentType: 'application/x-www-form-urlencoded' });
    const answer = JSON.parse(text) as { alipay_trade_query_response: { sub_code: string }; alipay_cert_sn: string; sign: string };
    expect(answer.alipay_trade_query_response.sub_code).toBe('ACQ.TRADE_NOT_EXIST');
    expect(answer.alipay_cert_sn).toBe(client.config.alipayCertSn);
    expect(() => client.checkResponseSign(text, 'alipay_trade_query_response', answer.sign, '')).not.toThrow();
  });

  it('refuses an app_cert_sn or alipay_root_cert_sn that does not match, as Alipay does', async () => {
    const foreignApp = await sdk(merchant, { appCertContent: other.alipay.appCertPem }).exec('alipay.trade.query', { bizContent: { out_trade_no: 'x' } }, { validateSign: true });
    expect(foreignApp).toMatchObject({ code: '40002', subCode: 'isv.app-cert-not-exist' });
    const foreignRoot = await sdk(merchant, { alipayRootCertContent: ca }).exec('alipay.trade.query', { bizContent: { out_trade_no: 'x' } }, { validateSign: true });
    expect(foreignRoot).toMatchObject({ code: '40002', subCode: 'isv.invalid-alipay-root-cert-sn' });
  });

  it('serves the same app in public-key mode too', async () => {
    const keyMode = new AlipaySdk({
      appId: merchant.alipay.appId,
      privateKey: merchant.alipay.appPrivateKey,
      alipayPublicKey: merchant.alipay.alipayPublicKey,
      keyType: 'PKCS8',
      gateway: `${sim.url}/gateway.do`,
      endpoint: sim.url,
      proxyAgent: new Agent({ connect: { ca } }) as never,
    });
    expect(await keyMode.exec('alipay.trade.query', { bizContent: { out_trade_no: 'x' } }, { validateSign: true })).toMatchObject({ code: '40004', subCode: 'ACQ.TRADE_NOT_EXIST' });
  });
});

describe('a restarted simulator', () => {
  it('keeps its CA, so the certificates it issued before still work', async () => {
    const paid = orderNo();
    await tenpay(merchant, { method: 'micropay', params: { out_trade_no: paid, body: 'tea', total_fee: 400, auth_code: '130000000000000001' } });
    await sim.close();
    sim = await start();
    expect(readFileSync(caFile, 'utf8')).toBe(ca);
    const refund = await tenpay(merchant, { method: 'refund', p12: merchant.wechat.p12, params: { out_trade_no: paid, out_refund_no: `${paid}-r`, total_fee: 400, refund_fee: 400 } });
    expect(refund.answer).toMatchObject({ result_code: 'SUCCESS', refund_fee: '400' });
    const query = await sdk(merchant).exec('alipay.trade.query', { bizContent: { out_trade_no: 'x' } }, { validateSign: true });
    expect(query).toMatchObject({ code: '40004', subCode: 'ACQ.TRADE_NOT_EXIST' });
  });
});
