/**
 * Reading the Event and Audience API's answer. A 202 (200 seen too) with an empty body accepted every
 * batch; with `{"errors":[{"code","message"}]}` it refused some. Its messages are JSON.NET
 * deserializer texts that locate the problem by the batch index (`Path '[1].device_info…'`) or only
 * by a character position in the body (`Path 'data.custom_attributes.currency', line 1, position
 * 648.`), with double quotes HTML-escaped. Errors are attributed to the batches whose span holds the
 * position; what cannot be attributed is told to the delivery layer as a refusal of the request, so
 * it isolates the culprits by re-sending smaller requests (batches that already landed are dropped
 * by the API as duplicates of their `source_request_id`).
 */
import type { ApiResponse } from '../rokt/http.js';
import type { Span } from './body.js';

export interface ApiError {
  code?: string;
  message?: string;
}

/** What the delivery layer gets, and which batches (by index in the request) were refused, with the reason. */
export interface ReadAnswer {
  response: ApiResponse;
  refused: Map<number, string>;
}

const HTML_ENTITIES: Readonly<Record<string, string>> = { quot: '"', amp: '&', lt: '<', gt: '>', apos: "'", '#39': "'", '#x27': "'", '#34': '"' };

export function unescapeHtml(text: string): string {
  return text.replace(/&(quot|amp|lt|gt|apos|#39|#x27|#34);/g, (_, entity: string) => HTML_ENTITIES[entity] ?? '');
}

/**
 * Messages quote the value they could not read (`Error converting value "…" to type…`, `Could not
 * convert string to DateTime: ….`): that value may be personal data, and reasons are logged and
 * written to the rejected-records file.
 */
export function withoutQuotedValues(text: string): string {
  // Quoted (`value "…"`), and unquoted before the path (`while parsing value: …. Path '…'`).
  return text.replace(/"(?:[^"\\]|\\.)*"/g, '"[value]"').replace(/: (?:(?!\. Path ').)+\. Path '/g, ": [value]. Path '");
}

/** A message fit to print: unescaped, quoted values removed, bounded. */
export function printableMessage(error: ApiError): string {
  const parts = [error.code, error.message === undefined ? undefined : withoutQuotedValues(unescapeHtml(error.message))].filter((part): part is string => typeof part === 'string' && part !== '');
  return (parts.join(': ') || 'no reason given').slice(0, 500);
}

/** The `errors` of an answer body, or undefined when it has none (an empty body, or anything else). */
export function answerErrors(body: string): ApiError[] | undefined {
  if (!body.includes('errors')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const errors = (parsed as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  return errors.map((error: unknown) => {
    const { code, message } = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; message?: unknown };
    return { code: typeof code === 'string' ? code : undefined, message: typeof message === 'string' ? message : undefined };
  });
}

const INDEXED_PATH = /Path '\[(\d+)\]/;
const POSITION = /line (\d+), position (\d+)/;

/**
 * The index of the batch an error is about, or undefined when it cannot be told: by the path's
 * index, else by the character position (JSON.NET's position counts the characters read on the
 * line, so the last one read, at position − 1, is inside the offending batch). The body is one line.
 */
export function attributeError(message: string | undefined, spans: readonly Span[]): number | undefined {
  if (message === undefined) return undefined;
  const text = unescapeHtml(message);
  const indexed = INDEXED_PATH.exec(text);
  if (indexed) {
    const index = Number(indexed[1]);
    return index < spans.length ? index : undefined;
  }
  const located = POSITION.exec(text);
  if (!located || Number(located[1]) !== 1) return undefined;
  const last = Number(located[2]) - 1;
  const index = spans.findIndex((span) => last >= span.start && last < span.end);
  return index < 0 ? undefined : index;
}

const refusalBody = (code: string, message: string) => JSON.stringify({ data: { code, message } });

/**
 * The answer as the delivery layer reads it. A 2xx whose errors all name a batch: those batches are
 * refused, the others accepted. A 2xx with an error naming no batch: reported as a 400 (the request
 * is split until each refused batch is alone). Error bodies are rewritten to `{"data":{code,
 * message}}` with printable messages, so the reasons and errors name what the API said.
 */
export function readAnswer(response: ApiResponse, spans: readonly Span[]): ReadAnswer {
  const refused = new Map<number, string>();
  const errors = answerErrors(response.body);
  if (!errors) return { response, refused };
  const code = errors.find((error) => error.code)?.code ?? 'BAD_REQUEST';
  // The code leads the rewritten answer once; messages carry theirs only where they differ.
  const summary = errors.map((error) => printableMessage(error.code === code ? { message: error.message } : error)).join('; ');
  if (response.status < 200 || response.status >= 300) return { response: { ...response, body: refusalBody(code, summary) }, refused };
  const indexes = errors.map((error) => attributeError(error.message, spans));
  if (indexes.some((index) => index === undefined)) {
    return { response: { ...response, status: 400, body: refusalBody(code, `answered HTTP ${response.status} with errors that name no batch: ${summary}`) }, refused };
  }
  errors.forEach((error, position) => {
    const index = indexes[position] as number;
    const reason = printableMessage(error);
    refused.set(index, refused.has(index) ? `${refused.get(index)}; ${reason}` : reason);
  });
  return { response, refused };
}
