import { closeSync, createReadStream, fstatSync, openSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { ConfigError } from '../errors.js';

/**
 * The `--input FILE` stream, opened now so that a wrong path is a clear config error naming the file
 * (not a Node error surfacing later from the stream).
 */
export function openInputFile(path: string): Readable {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new ConfigError(`--input ${path}: ${openProblem((error as NodeJS.ErrnoException).code)}`);
  }
  if (fstatSync(fd).isDirectory()) {
    closeSync(fd);
    throw new ConfigError(`--input ${path}: is a folder, not a file of Singer messages`);
  }
  return createReadStream(path, { fd });
}

function openProblem(code: string | undefined): string {
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'cannot be read (permission denied)';
    default:
      return `cannot be opened (${code ?? 'unknown error'})`;
  }
}
