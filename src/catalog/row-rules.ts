/**
 * A binding's rules for whole rows, applied to every routed row before its API family maps it, the
 * same for every family:
 * - consent: a row without consent is never sent (rejected as "no consent");
 * - source deletes (change data capture): a deleted audience row removes its person (`exclude`),
 *   a deleted event row is not an event (rejected as "deleted in the source");
 * - click ids from landing URLs: an event row without a click id takes the `rtid` (else `rclid`)
 *   query parameter of its landing_url. The URL itself is never sent (it may carry personal data).
 * Pure (the caches are memoization).
 */
import { columnFactsCache } from './column-fields.js';
import { consentText, isBlankValue, isEmptyValue, type FieldPlan, type RowRulesPlan } from './plan.js';
import type { StreamRoute } from './routes.js';
import { streamLabel } from './stream-key-map.js';
import { isLosslessNumber } from 'lossless-json';

export const NO_CONSENT = 'no consent';
export const DELETED_IN_SOURCE = 'deleted in the source';

export const LANDING_URL_FIELD = 'landing_url';
export const CLICK_ID_FIELD = 'passbackconversiontrackingid';
/** Rokt's click id parameters on a landing page, in order of preference. */
const CLICK_ID_PARAMETERS = ['rtid', 'rclid'];

/** Something to tell the user once per stream (the row itself goes on). */
export interface RowWarning {
  kind: 'malformed_landing_url';
  message: string;
}

export type RowRuling =
  | {
      send: true;
      /** The row to map: the input row, or a copy (landing_url left out, the click id set). */
      data: Record<string, unknown>;
      /** The route to map it with: for a deleted audience row, the same route excluding. */
      route: StreamRoute;
      /** The source marked the row deleted. */
      deleted: boolean;
      warning?: RowWarning;
    }
  | {
      send: false;
      reason: string;
      /** The row for the rejected-records copy (landing_url left out). */
      data: Record<string, unknown>;
      deleted: boolean;
    };

export function applyRowRules({ data, route }: { data: Record<string, unknown>; route: StreamRoute }): RowRuling {
  const rules = route.plan.rowRules;
  const landing = route.object === 'event' ? landingOf(data, route.plan) : undefined;
  const sendable = landing ? withoutColumns(data, landing.columns) : data;
  // Consent first: a row without it is never sent, not even as an audience removal.
  if (rules?.consent && !hasConsent(data, rules.consent)) return { send: false, reason: NO_CONSENT, data: sendable, deleted: false };
  if (rules && isDeleted(data, rules.deletedColumns)) {
    if (route.object === 'event') return { send: false, reason: DELETED_IN_SOURCE, data: sendable, deleted: true };
    return { send: true, data, route: excludingRoute(route), deleted: true };
  }
  if (!landing || landing.url === undefined || landing.hasClickId) return { send: true, data: sendable, route, deleted: false };
  const found = clickIdFromUrl(landing.url);
  if (!found.ok) return { send: true, data: sendable, route, deleted: false, warning: malformedUrlWarning(route) };
  const column = clickIdColumnOf(route.plan);
  // `sendable` is this row's own copy (the landing_url column was left out of it).
  if (found.clickId !== undefined && column !== undefined) Object.defineProperty(sendable, column, { value: found.clickId, enumerable: true, writable: true, configurable: true });
  return { send: true, data: sendable, route, deleted: false };
}

/** The row without its landing URL (never sent, nor copied to the rejected-records file), for a row rejected before the rules ran. */
export function withoutLandingUrl(data: Record<string, unknown>, route: StreamRoute): Record<string, unknown> {
  const landing = route.object === 'event' ? landingOf(data, route.plan) : undefined;
  return landing ? withoutColumns(data, landing.columns) : data;
}

function hasConsent(data: Record<string, unknown>, consent: NonNullable<RowRulesPlan['consent']>): boolean {
  if (!Object.hasOwn(data, consent.column)) return false;
  const value = data[consent.column];
  if (isEmptyValue(value) || (typeof value === 'object' && !isLosslessNumber(value))) return false;
  return consent.values.has(consentText(value));
}

/** Any value marks a row deleted but a blank one, false or 0 (so flag columns work as well as timestamps). */
function isDeletionMark(value: unknown): boolean {
  if (isBlankValue(value) || value === false || value === 0) return false;
  const text = typeof value === 'string' || isLosslessNumber(value) ? String(value).trim().toLowerCase() : undefined;
  return text !== 'false' && text !== '0';
}

function isDeleted(data: Record<string, unknown>, columns: readonly string[]): boolean {
  for (const column of columns) if (Object.hasOwn(data, column) && isDeletionMark(data[column])) return true;
  return false;
}

const excludingRoutes = new WeakMap<StreamRoute, StreamRoute>();

/** The route with its plan removing members; one per route, so caches keyed by plan keep working. */
function excludingRoute(route: StreamRoute): StreamRoute {
  if (route.object !== 'audience' || route.plan.action === 'exclude') return route;
  let excluding = excludingRoutes.get(route);
  if (!excluding) excludingRoutes.set(route, (excluding = { object: 'audience', plan: { ...route.plan, action: 'exclude' } }));
  return excluding;
}

interface Landing {
  /** Every column that becomes landing_url. */
  columns: string[];
  /** The first non-blank landing URL. */
  url: unknown;
  /** The row (or a constant) already carries a click id. */
  hasClickId: boolean;
}

const LANDING = 1;
const CLICK_ID = 2;
/** Per plan and column: whether its field is the landing URL or the click id (0: neither). */
const landingRolesOf = columnFactsCache((field) => (field === LANDING_URL_FIELD ? LANDING : field === CLICK_ID_FIELD ? CLICK_ID : 0));

/** The row's landing URL and whether it has a click id; undefined (no allocation) when no column becomes landing_url. */
function landingOf(data: Record<string, unknown>, plan: FieldPlan): Landing | undefined {
  let columns: string[] | undefined;
  let url: unknown;
  let hasClickId = false;
  const roles = landingRolesOf(plan);
  for (const column in data) {
    const role = roles.of(column);
    if (role === 0) continue;
    if (role === LANDING) {
      (columns ??= []).push(column);
      if (url === undefined && !isBlankValue(data[column])) url = data[column];
    } else if (!isBlankValue(data[column])) {
      hasClickId = true;
    }
  }
  if (!columns) return undefined;
  return { columns, url, hasClickId: hasClickId || clickIdConstantOf(plan) };
}

function withoutColumns(data: Record<string, unknown>, columns: readonly string[]): Record<string, unknown> {
  // Spread defines properties: an own `__proto__` column stays a plain property.
  const copy = { ...data };
  for (const column of columns) delete copy[column];
  return copy;
}

const PLACEHOLDER_BASE = 'https://landing.invalid';

/** The click id in a landing URL's query, `{ ok: false }` when the value is no URL (absolute, or a path or query alone). */
export function clickIdFromUrl(value: unknown): { ok: true; clickId?: string } | { ok: false } {
  if (typeof value !== 'string') return { ok: false };
  const text = value.trim();
  const relative = text.startsWith('/') || text.startsWith('?');
  let url: URL;
  try {
    url = relative ? new URL(text, PLACEHOLDER_BASE) : new URL(text);
  } catch {
    return { ok: false };
  }
  for (const name of CLICK_ID_PARAMETERS) {
    const clickId = url.searchParams.get(name);
    // As written in the URL (percent-decoded): never trimmed or lower-cased.
    if (clickId !== null && clickId !== '') return { ok: true, clickId };
  }
  return { ok: true };
}

function malformedUrlWarning(route: StreamRoute): RowWarning {
  return {
    kind: 'malformed_landing_url',
    message: `Stream "${streamLabel(route.plan.stream)}": a landing_url is not a URL (nor a path beginning with "/"), so its row was sent without a click id from it; later rows like it in this stream are not reported`,
  };
}

interface ClickIdTarget {
  /** The column a click id read from the landing URL is written under; unset when the binding renames the field's own name away. */
  column?: string;
  /** A constant gives every row a click id. */
  constant: boolean;
}

const clickIdTargets = new WeakMap<FieldPlan, ClickIdTarget>();

function clickIdTargetOf(plan: FieldPlan): ClickIdTarget {
  let target = clickIdTargets.get(plan);
  if (!target) {
    const renamed = [...plan.renames].find(([, field]) => field.toLowerCase() === CLICK_ID_FIELD)?.[0];
    const column = renamed ?? (plan.renames.has(CLICK_ID_FIELD) ? undefined : CLICK_ID_FIELD);
    const constant = plan.constants.some(([name, value]) => name.toLowerCase() === CLICK_ID_FIELD && !isBlankValue(value));
    clickIdTargets.set(plan, (target = { column, constant }));
  }
  return target;
}

const clickIdColumnOf = (plan: FieldPlan) => clickIdTargetOf(plan).column;
const clickIdConstantOf = (plan: FieldPlan) => clickIdTargetOf(plan).constant;
