/**
 * A small client for counterpay's native API (/v1, Bearer key) over fetch, shared by the screens.
 * Errors come back as ApiError with the API's own type, code and message, so screens can show them.
 */

export interface ApiErrorBody {
  type: string;
  code: string;
  message: string;
  param?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    super(body.message);
    this.name = 'ApiError';
  }
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'DELETE';
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  idempotencyKey?: string;
  signal?: AbortSignal;
  /** Answer the body as text (an image, a CSV) instead of parsing JSON. */
  raw?: boolean;
}

/** Turns a query object into "?a=1&b=2", leaving out undefined values. */
export function queryString(query: RequestOptions['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** Reads a JSON answer; a non-2xx becomes ApiError (a body that is not the API's error shape too). */
export async function readJson<T>(response: Response): Promise<T> {
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (response.ok) return parsed as T;
  const error = (parsed as { error?: ApiErrorBody } | undefined)?.error;
  throw new ApiError(response.status, error ?? { type: 'api_error', code: `http_${response.status}`, message: `The server answered ${response.status} ${response.statusText}.` });
}

/** The native API with one secret (or terminal) key. */
export class NativeApi {
  constructor(
    private readonly key: string,
    private readonly baseUrl = '',
  ) {}

  async request<T>(path: string, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.key}`, accept: options.raw ? '*/*' : 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}/v1${path}${queryString(options.query)}`, {
        method: options.method ?? 'GET',
        headers,
        body: options.body === undefined ? null : JSON.stringify(options.body),
        signal: options.signal ?? null,
      });
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      throw new ApiError(0, { type: 'api_error', code: 'network_error', message: 'The gateway cannot be reached. Check the connection and try again.' });
    }
    if (options.raw && response.ok) return (await response.text()) as T;
    return readJson<T>(response);
  }

  get<T>(path: string, query?: RequestOptions['query'], signal?: AbortSignal): Promise<T> {
    return this.request<T>(path, { query, ...(signal ? { signal } : {}) });
  }

  post<T>(path: string, body: unknown, idempotencyKey?: string): Promise<T> {
    return this.request<T>(path, { method: 'POST', body, ...(idempotencyKey ? { idempotencyKey } : {}) });
  }
}

/** A fresh Idempotency-Key (one per sale or refund attempt, so a repeated Enter never charges twice). */
export function newIdempotencyKey(prefix: string): string {
  return `${prefix}_${crypto.randomUUID()}`;
}
