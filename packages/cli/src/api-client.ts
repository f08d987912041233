/** A minimal native-API client for the CLI: JSON in, JSON out, errors shown in the API's words. */
export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly secretKey: string,
  ) {}

  async request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.secretKey}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(60_000),
      });
    } catch (error) {
      throw new Error(`cannot reach the gateway at ${this.baseUrl} (${(error as Error).message}); is it running (\`counterpay start\`)?`);
    }
    const json = (await response.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
    if (!response.ok) {
      throw new Error(json?.error ? `${json.error.code}: ${json.error.message}` : `HTTP ${response.status}`);
    }
    return json as T;
  }
}
