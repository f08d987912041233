import { Agent, request } from 'undici';

/** Only this much of a receiver's answer is read (and kept in the log). */
const MAX_RESPONSE_BYTES = 4096;

/** Keep-alive connections to receivers: a notification burst reuses them instead of a TLS/TCP setup each. */
const receivers = new Agent({ keepAliveTimeout: 10_000, connections: 8 });

export type ReceiverAnswer = { kind: 'answered'; httpStatus: number; excerpt: string } | { kind: 'unanswered'; error: string };

/**
 * POSTs one notification; the whole exchange must finish within `timeoutMs`. A redirect is an answer,
 * not followed (undici's request never follows one), so a notification cannot be replayed elsewhere.
 */
export async function postToReceiver(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<ReceiverAnswer> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await request(url, { method: 'POST', headers, body, dispatcher: receivers, signal });
    return { kind: 'answered', httpStatus: response.statusCode, excerpt: await readBounded(response.body) };
  } catch (e) {
    return { kind: 'unanswered', error: signal.aborted ? `no answer within ${timeoutMs} ms` : `network error: ${(e as Error).message}` };
  }
}

async function readBounded(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= MAX_RESPONSE_BYTES) break;
  }
  body.destroy();
  return Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString('utf8');
}
