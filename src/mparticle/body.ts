import type { MparticleItem } from './item.js';

/** Where one batch sits in the body text, in characters (the unit of the API's error positions). */
export interface Span {
  start: number;
  /** Exclusive: the character after the batch's closing brace. */
  end: number;
}

export interface BulkBody {
  /** Exactly the text sent: the API locates some errors only by a character position in it. */
  text: string;
  spans: Span[];
}

/** `[batch,batch,…]` from the batches serialized when they were mapped, one line, with each batch's span. */
export function bulkBody(items: readonly MparticleItem[]): BulkBody {
  const spans: Span[] = [];
  let offset = 1;
  for (const item of items) {
    spans.push({ start: offset, end: offset + item.json.length });
    offset += item.json.length + 1;
  }
  return { text: `[${items.map((item) => item.json).join(',')}]`, spans };
}
