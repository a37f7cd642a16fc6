import type { ApiResponse } from '../rokt/http.js';
import type { EventItem } from './body.js';

/** `{"data":{"unprocessedRecords":[{"error":{code,message},"record":{clientEventId…}}]}}`, matched by clientEventId. */
export function unprocessedEvents(items: readonly EventItem[], response: ApiResponse, onUnmatched: (count: number) => void): Map<EventItem, string> {
  const rejected = new Map<EventItem, string>();
  if (!response.body.includes('unprocessedRecords')) return rejected;
  let entries: unknown;
  try {
    entries = (JSON.parse(response.body) as { data?: { unprocessedRecords?: unknown } }).data?.unprocessedRecords;
  } catch {
    return rejected;
  }
  if (!Array.isArray(entries) || entries.length === 0) return rejected;
  const byId = new Map<string, EventItem[]>();
  for (const item of items) byId.set(item.clientEventId, [...(byId.get(item.clientEventId) ?? []), item]);
  let unmatched = 0;
  for (const entry of entries as { error?: { code?: string; message?: string }; record?: { clientEventId?: unknown } }[]) {
    const matching = byId.get(String(entry.record?.clientEventId));
    if (!matching) unmatched += 1;
    const reason = `Rokt did not process it: ${[entry.error?.code, entry.error?.message].filter(Boolean).join(': ') || 'no reason given'}`;
    for (const item of matching ?? []) rejected.set(item, reason);
  }
  if (unmatched > 0) onUnmatched(unmatched);
  return rejected;
}

