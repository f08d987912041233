import { useEffect, useState } from 'react';
import { ApiError, api } from './api.ts';

/** The daily reconciliation reports: shown once the gateway produces them. */
export function Reconciliation() {
  const [state, setState] = useState<'loading' | 'unavailable' | { data: unknown[] }>('loading');
  useEffect(() => {
    api<{ data: unknown[] }>('GET', '/dashboard/api/reconciliation_reports').then(setState, (e) => setState(e instanceof ApiError && e.status === 404 ? 'unavailable' : 'unavailable'));
  }, []);
  return (
    <section aria-labelledby="recon-title">
      <h1 id="recon-title">Reconciliation</h1>
      {state === 'loading' ? <p>Loading…</p> : state === 'unavailable' ? <p>No reconciliation reports yet.</p> : <p>{state.data.length} reports.</p>}
    </section>
  );
}
