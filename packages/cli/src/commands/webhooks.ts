import { ApiClient } from '../api-client.ts';
import { clientFor, type ClientOptions } from './payments.ts';

interface Endpoint {
  id: string;
  url: string;
  status: string;
  event_types: string[];
  format?: string;
  secret?: string;
}

/** `counterpay webhooks create|list|rotate|replay|delete`: manage notification endpoints through the API. */
export async function webhooks(sub: string | undefined, arg: string | undefined, values: ClientOptions & { endpoint?: string | undefined; events?: string | undefined; format?: string | undefined; since?: string | undefined; json?: boolean | undefined }): Promise<number> {
  const api: ApiClient = clientFor(values);
  const print = (value: unknown, line: string) => console.log(values.json ? JSON.stringify(value, null, 2) : line);
  switch (sub) {
    case 'create': {
      if (!values.endpoint) throw new Error('webhooks create needs --endpoint https://…/hook [--events payment.succeeded,refund.succeeded] [--format native|omise]');
      // --format omise: the URL an Omise merchant gives Omise's dashboard (Omise events of Omise charges only).
      const endpoint = await api.request<Endpoint>('POST', '/v1/webhook_endpoints', {
        url: values.endpoint,
        ...(values.events ? { event_types: values.events.split(',') } : {}),
        ...(values.format ? { format: values.format } : {}),
      });
      print(endpoint, `${endpoint.id}  ${endpoint.url}  ${endpoint.event_types.join(',')}  ${endpoint.format ?? 'native'}\nsigning secret (shown once): ${endpoint.secret}`);
      return 0;
    }
    case 'list': {
      const list = await api.request<{ data: Endpoint[] }>('GET', '/v1/webhook_endpoints');
      print(list, list.data.map((e) => `${e.id}  ${e.status.padEnd(8)}  ${e.url}  ${e.event_types.join(',')}  ${e.format ?? 'native'}`).join('\n') || 'no endpoints');
      return 0;
    }
    case 'rotate': {
      const endpoint = await api.request<Endpoint>('POST', `/v1/webhook_endpoints/${arg}/rotate_secret`, {});
      print(endpoint, `new signing secret (the old one keeps working for 24 h): ${endpoint.secret}`);
      return 0;
    }
    case 'replay': {
      if (!values.since) throw new Error('webhooks replay ENDPOINT_ID needs --since 2026-11-24T00:00:00Z');
      const result = await api.request<{ deliveries: number }>('POST', `/v1/webhook_endpoints/${arg}/replay`, { since: values.since });
      print(result, `${result.deliveries} failed deliveries queued again`);
      return 0;
    }
    case 'delete': {
      await api.request('DELETE', `/v1/webhook_endpoints/${arg}`);
      print({ id: arg, deleted: true }, `deleted ${arg}`);
      return 0;
    }
    default:
      throw new Error('usage: counterpay webhooks create --endpoint URL [--events a,b] [--format native|omise] | list | rotate ID | replay ID --since T | delete ID');
  }
}
