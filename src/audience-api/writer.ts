import { legacyAccountId } from '../rokt/account.js';
import { mapAudienceRecord, type AudiencePlan } from '../rules/map-audience.js';
import { sha256Hex } from '../rules/normalize.js';
import type { Mapped } from '../catalog/plan.js';
import { ConfigError } from '../errors.js';
import type { DeliveryTarget } from '../sync/deliver.js';
import type { FamilyWriter, MapInput, WriterContext } from '../sync/family.js';
import { AudienceChanges, type AudienceBatch, type AudienceChange, type AudienceItem } from './changes.js';
import { createAudienceTransport, type AudienceTransport } from './client.js';
import { audienceAuth } from './credentials.js';

const MIN_TARGETING_LIST = 1000;
/** Small-list warnings printed one by one; the rest are counted in one line. */
const LOGGED_SMALL_LISTS = 20;
/** Audience lists with unsent changes at once; beyond, the oldest is sent (flat memory with many lists). */
const MAX_OPEN_LISTS = 1000;

/** An audience list's members sent in this run, by action. */
interface ListCounts {
  list: string;
  action: string;
  members: number;
}

/** Audience changes for the Custom Audience API (v3 or 1.0), in row order per (list, person). */
export function audienceApiWriter(context: WriterContext): FamilyWriter<AudienceChange, AudienceItem, AudienceBatch> {
  const { config, sender } = context;
  // A dry run needs no credentials: it shows the current API version's requests.
  const auth = audienceAuth(config) ?? (sender.dryRun ? { version: 'v3' as const, publicKey: '', secretKey: '' } : undefined);
  if (!auth) throw new ConfigError('Streams write audiences, but no Audience API credentials are configured: set public_key and secret_key (v3) or api_key (1.0)');
  const transport = createAudienceTransport({ auth, sender, audienceApiUrl: config.audience_api_url, accountId: legacyAccountId(config) });
  const changes = new AudienceChanges({ maxItems: config.audience_batch_size, maxOpenLists: MAX_OPEN_LISTS, now: context.now });
  // By list name, then action: structured keys, since list names are data.
  const listCounts = new Map<string, Map<string, ListCounts>>();
  const lists = () => [...listCounts.values()].flatMap((byAction) => [...byAction.values()]);
  return {
    map: (input) => mapChange(input),
    batches: {
      add(change) {
        // A request of the other action for this person is in flight: this change goes only after it.
        const earlier = changes.conflict(change);
        return earlier ? { waitFor: earlier } : { ready: changes.add(change) };
      },
      takeAll: () => changes.takeAll(),
      takeOlderThan: (ageMs) => changes.takeOlderThan(ageMs),
      get open() {
        return changes.openLists;
      },
      settled: (batch) => changes.settled(batch),
    },
    target: (batch) => audienceTarget(transport, batch),
    records: (item) => item.records,
    rejectedCopy: (item, batch) => ({ list: batch.list, action: batch.action, emailsha256: personOf(batch.key, item.identifier) }),
    onSettled({ batch, accepted }) {
      let byAction = listCounts.get(batch.list);
      if (!byAction) listCounts.set(batch.list, (byAction = new Map()));
      const entry = byAction.get(batch.action) ?? { list: batch.list, action: batch.action, members: 0 };
      entry.members += accepted.length;
      byAction.set(batch.action, entry);
    },
    finish() {
      const small = lists().filter(({ action, members }) => action === 'include' && members < MIN_TARGETING_LIST);
      const warnings = small
        .slice(0, LOGGED_SMALL_LISTS)
        .map(
          ({ list, members }) =>
            `Audience "${list}": ${members} members were added in this run. Rokt targets lists of at least ${MIN_TARGETING_LIST} people; if earlier runs already added members the list may be large enough (this counts only this run).`,
        );
      if (small.length > LOGGED_SMALL_LISTS) warnings.push(`${small.length - LOGGED_SMALL_LISTS} more audiences got fewer than ${MIN_TARGETING_LIST} members in this run (the summary lists every audience).`);
      return warnings;
    },
    summary: () => ({ audience_lists: lists() }),
  };
}

/** The person, whatever identifier kind carries them: a plain (normalized) email or its SHA-256. */
function personOf(key: AudienceBatch['key'], identifier: string): string {
  return key === 'sha256s' ? identifier : sha256Hex(identifier);
}

function mapChange({ record, data, route }: MapInput): Mapped<AudienceChange> {
  const mapped = mapAudienceRecord({ data, plan: route.plan as AudiencePlan });
  if (!mapped.ok) return mapped;
  const { list, action, key, identifier } = mapped.value;
  return { ok: true, value: { list, action, key, identifier, person: personOf(key, identifier), record } };
}

function audienceTarget(transport: AudienceTransport, batch: AudienceBatch): DeliveryTarget<AudienceItem> {
  const { list, action, key } = batch;
  return {
    name: `Audience API ${transport.version} ${action} request for list "${list}"`,
    conflictMeansDelivered: false,
    send: (items) => transport.send({ list, action, key, identifiers: items.map((item) => item.identifier) }),
  };
}
