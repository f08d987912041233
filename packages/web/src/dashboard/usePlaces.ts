import { useEffect, useState } from 'react';
import { api } from './api.ts';

export interface Places {
  stores: Array<{ id: string; name: string; store_no: string; created_at: string }>;
  terminals: Array<{ id: string; store_id: string; name: string; terminal_no: string; created_at: string }>;
  operators: Array<{ id: string; name: string; operator_no: string; created_at: string }>;
}

/** The merchant's stores, terminals and operators (the same in both modes); `reload` after a change. */
export function usePlaces(): { places: Places | null; reload: () => void } {
  const [places, setPlaces] = useState<Places | null>(null);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    api<Places>('GET', '/dashboard/api/places').then(setPlaces, () => setPlaces({ stores: [], terminals: [], operators: [] }));
  }, [version]);
  return { places, reload: () => setVersion((v) => v + 1) };
}

export function placeName(list: Array<{ id: string; name: string }> | undefined, id: string | null): string {
  if (!id) return '—';
  return list?.find((p) => p.id === id)?.name ?? id;
}
