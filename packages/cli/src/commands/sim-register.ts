import { loadConfig } from '@counterpay/gateway';

/** Registers a wallet merchant at the running simulator, for any Alipay / WeChat Pay client library. */
export async function simRegister(values: { name?: string | undefined; json?: boolean | undefined }): Promise<number> {
  const { simUrl } = loadConfig();
  let response: Response;
  try {
    response = await fetch(`${simUrl}/admin/merchants`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: values.name ?? 'cli' }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    console.error(`cannot reach the wallet simulator at ${simUrl} (${(error as Error).message}); start it with \`counterpay sim\`.`);
    return 1;
  }
  if (!response.ok) {
    console.error(`the simulator refused: HTTP ${response.status}`);
    return 1;
  }
  const registration = await response.json();
  console.log(values.json ? JSON.stringify(registration, null, 2) : registration);
  if (!values.json) console.log(`Alipay gateway: ${simUrl}/gateway.do   WeChat Pay v2: ${simUrl}/pay/micropay …`);
  return 0;
}
