import { AsyncLocalStorage } from 'node:async_hooks';

/** What the delivery layer knows about the request being made: for the API-call debug log. */
export interface ExchangeContext {
  attempt: number;
  /** Input line numbers of the records the request carries, by stream. */
  records: Record<string, number[]>;
}

/** Carries the delivery layer's context down to the HTTP client without threading it through every call. */
export const exchangeContext = new AsyncLocalStorage<ExchangeContext>();
