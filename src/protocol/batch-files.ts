import { resolve } from 'node:path';

/**
 * The local path of a Meltano SDK BATCH manifest entry, or undefined when it is not a `file://` URI.
 * Read as the SDK reads it (fsspec's local file system): everything after `file://` is a path,
 * percent-decoded; `file:///data/b.jsonl` is absolute, and `file://data/b.jsonl` — the SDK's own
 * example form — is relative to the working directory (a strict URL parser would take `data` for
 * a host name and refuse it).
 */
export function batchFilePath(uri: unknown, cwd: string = process.cwd()): string | undefined {
  if (typeof uri !== 'string' || !/^file:\/\//i.test(uri)) return undefined;
  const path = percentDecoded(uri.slice('file://'.length));
  if (path === '') return undefined;
  return resolve(cwd, path);
}

function percentDecoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // Not valid percent-encoding: a literal `%` in a path.
    return text;
  }
}
