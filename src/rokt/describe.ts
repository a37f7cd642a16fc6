import type { ApiResponse } from './http.js';

/**
 * `{"data":{"code":"…","message":"…"}}` (legacy APIs) or `{"errors":[{"code":"…","message":"…"}]}`
 * (the Event and Audience API) → "code: message", short and printable.
 */
export function describeRokt(response: ApiResponse): string {
  let detail = '';
  try {
    const body = JSON.parse(response.body) as { data?: { code?: unknown; message?: unknown }; errors?: unknown; code?: unknown; message?: unknown; error?: unknown };
    const firstError = Array.isArray(body.errors) ? (body.errors[0] as { code?: unknown; message?: unknown } | undefined) : undefined;
    const data = body.data ?? firstError ?? body;
    detail = [data.code ?? body.error, data.message].filter((part) => typeof part === 'string' && part !== '').join(': ');
  } catch {
    detail = response.body.slice(0, 200);
  }
  return detail ? `HTTP ${response.status} (${detail.slice(0, 300)})` : `HTTP ${response.status}`;
}
