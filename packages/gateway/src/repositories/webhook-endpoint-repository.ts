import type { Kysely, Selectable } from 'kysely';
import { type SecretBox, newId } from '@counterpay/core';
import type { Database, WebhookEndpointTable } from '@counterpay/db';
import { NATIVE_FORMAT } from './event-outbox.ts';
import { type MerchantScope, modeFlag } from './scope.ts';

/** The dialect_credentials row of the merchant's webhook secret. */
const WEBHOOK_SECRET_DIALECT = 'webhook';

export type EndpointStatus = 'enabled' | 'disabled' | 'failing';

/** A merchant's webhook endpoint in one mode, without its secrets. */
export interface WebhookEndpoint {
  id: string;
  merchantId: string;
  livemode: boolean;
  url: string;
  /** Event types, or ["*"]. */
  eventTypes: string[];
  /** How its events are rendered: `native`, or a dialect's format (`omise`: only that dialect's payments). */
  format: string;
  status: EndpointStatus;
  createdAt: string;
  updatedAt: string;
}

export interface EndpointChanges {
  url?: string;
  eventTypes?: string[];
  status?: 'enabled' | 'disabled';
}

/** The secret that signs a notify_url delivery and the dialect account facts its envelope names. */
export interface NotifyUrlSigningKey {
  secret: string;
  accountId: string;
  clientId: string | null;
}

function toEndpoint(row: Selectable<WebhookEndpointTable>): WebhookEndpoint {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    livemode: row.livemode === 1,
    url: row.url,
    eventTypes: JSON.parse(row.event_types) as string[],
    format: row.format || NATIVE_FORMAT,
    status: row.status as EndpointStatus,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * Webhook endpoints, each in the mode of the key that created it, and the secrets that sign
 * notifications. Secrets are sealed with the SecretBox here and opened only to sign.
 */
export class WebhookEndpointRepository {
  readonly #db: Kysely<Database>;

  constructor(
    db: Kysely<Database>,
    private readonly box: SecretBox,
  ) {
    this.#db = db;
  }

  async create(scope: MerchantScope, input: { url: string; eventTypes: string[]; secret: string; format?: string }, now = new Date()): Promise<WebhookEndpoint> {
    const row: Selectable<WebhookEndpointTable> = {
      id: newId('webhookEndpoint', now.getTime()),
      merchant_id: scope.merchantId,
      livemode: modeFlag(scope),
      url: input.url,
      event_types: JSON.stringify(input.eventTypes),
      secret_ciphertext: this.box.seal(input.secret),
      previous_secret_ciphertext: null,
      previous_secret_expires_at: null,
      status: 'enabled',
      format: input.format ?? NATIVE_FORMAT,
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
    };
    await this.#db.insertInto('webhook_endpoints').values(row).execute();
    return toEndpoint(row);
  }

  async list(scope: MerchantScope): Promise<WebhookEndpoint[]> {
    const rows = await this.#db.selectFrom('webhook_endpoints').selectAll().where('merchant_id', '=', scope.merchantId).where('livemode', '=', modeFlag(scope)).orderBy('id').execute();
    return rows.map(toEndpoint);
  }

  /** The endpoint if it belongs to the scope (merchant and mode), else null. */
  async get(scope: MerchantScope, id: string): Promise<WebhookEndpoint | null> {
    const row = await this.#db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).where('merchant_id', '=', scope.merchantId).where('livemode', '=', modeFlag(scope)).executeTakeFirst();
    return row ? toEndpoint(row) : null;
  }

  /** Applies the changes; null if the endpoint is not in the scope. */
  async update(scope: MerchantScope, id: string, changes: EndpointChanges, now = new Date()): Promise<WebhookEndpoint | null> {
    await this.#db
      .updateTable('webhook_endpoints')
      .set({
        ...(changes.url !== undefined ? { url: changes.url } : {}),
        ...(changes.eventTypes !== undefined ? { event_types: JSON.stringify(changes.eventTypes) } : {}),
        ...(changes.status !== undefined ? { status: changes.status } : {}),
        updated_at: now.toISOString(),
      })
      .where('id', '=', id)
      .where('merchant_id', '=', scope.merchantId)
      .where('livemode', '=', modeFlag(scope))
      .execute();
    return this.get(scope, id);
  }

  /** Deletes the endpoint and stops its pending deliveries (the log of past attempts stays); false if not in the scope. */
  async delete(scope: MerchantScope, id: string): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      const result = await trx.deleteFrom('webhook_endpoints').where('id', '=', id).where('merchant_id', '=', scope.merchantId).where('livemode', '=', modeFlag(scope)).executeTakeFirst();
      if (Number(result.numDeletedRows) !== 1) return false;
      await trx.updateTable('deliveries').set({ status: 'failed' }).where('endpoint_id', '=', id).where('status', '=', 'pending').execute();
      return true;
    });
  }

  /**
   * A new secret now; the current one keeps signing (beside it) until `overlapUntil`. One statement, so
   * two rotations at once cannot lose a secret (SET reads the row's old values). Null if not in the scope.
   */
  async rotateSecret(scope: MerchantScope, id: string, secret: string, overlapUntil: Date, now = new Date()): Promise<WebhookEndpoint | null> {
    await this.#db
      .updateTable('webhook_endpoints')
      .set((eb) => ({
        previous_secret_ciphertext: eb.ref('secret_ciphertext'),
        secret_ciphertext: this.box.seal(secret),
        previous_secret_expires_at: overlapUntil.toISOString(),
        updated_at: now.toISOString(),
      }))
      .where('id', '=', id)
      .where('merchant_id', '=', scope.merchantId)
      .where('livemode', '=', modeFlag(scope))
      .execute();
    return this.get(scope, id);
  }

  /** The endpoint's secret, then the previous one while its overlap lasts; null if the endpoint is gone. */
  async signingSecrets(id: string, now = new Date()): Promise<string[] | null> {
    return (await this.deliveryTarget(id, now))?.secrets ?? null;
  }

  /** What a delivery to the endpoint needs: its format and its signing secrets (as `signingSecrets`); null if it is gone. */
  async deliveryTarget(id: string, now = new Date()): Promise<{ format: string; secrets: string[] } | null> {
    const row = await this.#db
      .selectFrom('webhook_endpoints')
      .select(['format', 'secret_ciphertext', 'previous_secret_ciphertext', 'previous_secret_expires_at'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) return null;
    const secrets = [this.box.open(row.secret_ciphertext)];
    if (row.previous_secret_ciphertext && row.previous_secret_expires_at && Date.parse(row.previous_secret_expires_at) > now.getTime()) {
      secrets.push(this.box.open(row.previous_secret_ciphertext));
    }
    return { format: row.format || NATIVE_FORMAT, secrets };
  }

  /**
   * notify_url deliveries have no endpoint of their own: they are signed with the merchant's shared
   * secret of that dialect in the event's mode, or with its `whsec_…` webhook secret (dialect 'webhook',
   * one for both modes). Null if it has none.
   */
  async notifyUrlSigningKey(merchantId: string, dialect: string, livemode: boolean): Promise<NotifyUrlSigningKey | null> {
    const rows = await this.#db
      .selectFrom('dialect_credentials')
      .select(['secret_ciphertext', 'account_id', 'client_id', 'livemode'])
      .where('merchant_id', '=', merchantId)
      .where('dialect', '=', dialect)
      .execute();
    // Each mode signs with its own secret; merchants made before live mode have one webhook secret for both.
    const row = rows.find((r) => r.livemode === (livemode ? 1 : 0)) ?? (dialect === WEBHOOK_SECRET_DIALECT ? rows[0] : undefined);
    return row ? { secret: this.box.open(row.secret_ciphertext), accountId: row.account_id, clientId: row.client_id } : null;
  }

  /** A delivery exhausted every retry: an enabled endpoint becomes failing (a disabled one stays disabled). */
  async markFailing(id: string, now = new Date()): Promise<void> {
    await this.#db.updateTable('webhook_endpoints').set({ status: 'failing', updated_at: now.toISOString() }).where('id', '=', id).where('status', '=', 'enabled').execute();
  }

  /** After a replay a failing endpoint is enabled again. */
  async clearFailing(id: string, now = new Date()): Promise<void> {
    await this.#db.updateTable('webhook_endpoints').set({ status: 'enabled', updated_at: now.toISOString() }).where('id', '=', id).where('status', '=', 'failing').execute();
  }
}
