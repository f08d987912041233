import type { DialectEventQuery, EventRepository, StoredEvent } from '../repositories/event-repository.ts';
import type { MerchantScope } from '../repositories/scope.ts';

/** An event as a dialect's views read it (the stored native event and what it is about). */
export type DialectEvent = StoredEvent;

/** The event log as a dialect shows it: only events of payments made through that dialect (Omise's Events API). */
export class DialectEvents {
  constructor(private readonly events: EventRepository) {}

  page(scope: MerchantScope, query: DialectEventQuery): Promise<{ rows: StoredEvent[]; total: number }> {
    return this.events.pageForDialect(scope, query);
  }

  get(scope: MerchantScope, id: string, query: Pick<DialectEventQuery, 'dialect' | 'types'>): Promise<StoredEvent | null> {
    return this.events.getForDialect(scope, id, query);
  }
}
