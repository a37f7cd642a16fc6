import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { ValidateFunction } from 'ajv';
import type { Router } from '../catalog/routes.js';
import { InputError } from '../errors.js';
import type { SyncMessage } from '../sync/messages.js';
import { withApproximateNumbers } from './approximate-numbers.js';
import { batchFilePath } from './batch-files.js';
import { describeJsonError, isObject, parseMessageLine, rawMember } from './json.js';
import { readLineChunks, type InputLine } from './lines.js';
import { SingerSchemaCompiler } from './singer-schema.js';

interface StreamSchema {
  keyProperties: string[];
  validate?: ValidateFunction;
}

export interface SingerReaderOptions {
  router: Router;
  validateRecords: boolean;
  log: (level: 'WARN' | 'INFO', message: string) => void;
  counts: { invalidLines: number };
}

const LOGGED_INVALID_LINES = 20;

/**
 * Singer messages → pipeline messages. Follows the Meltano SDK where it is strict (a RECORD before
 * its SCHEMA, a SCHEMA without properties, a record without its key properties: fatal), and
 * rejects — not fails on — records that do not match their schema.
 */
export class SingerReader {
  private readonly schemas = new Map<string, StreamSchema>();
  private readonly compiler = new SingerSchemaCompiler();
  private readonly warned = new Set<string>();

  constructor(private readonly options: SingerReaderOptions) {}

  /** Singer lines → pipeline messages, a chunk at a time (BATCH files yield their own chunks). */
  async *messages(chunks: AsyncIterable<readonly InputLine[]>): AsyncGenerator<SyncMessage[]> {
    for await (const lines of chunks) {
      let messages: SyncMessage[] = [];
      try {
        for (const line of lines) {
          const batch = this.handleLine(line, messages);
          if (!batch) continue;
          // A BATCH message: what came before it goes first, then the batch files' records.
          if (messages.length > 0) yield messages;
          messages = [];
          yield* this.batch(batch, line.number);
        }
      } catch (error) {
        // A fatal line: the messages before it are still handled (their states can be emitted).
        if (messages.length > 0) yield messages;
        throw error;
      }
      if (messages.length > 0) yield messages;
    }
  }

  /** Handles one line, adding what the pipeline needs to `into`; returns a BATCH message for the caller to read. */
  private handleLine({ number, text, replacedInvalidUtf8 }: InputLine, into: SyncMessage[]): Record<string, unknown> | undefined {
    if (replacedInvalidUtf8) this.options.log('WARN', `Input line ${number} holds bytes that are not valid UTF-8; they were replaced by U+FFFD`);
    let message: unknown;
    try {
      message = parseMessageLine(text, (parsed) => typeof parsed.type === 'string' && parsed.type.toUpperCase() === 'STATE');
    } catch {
      // describeJsonError says where and why, never which bytes (a line may hold PII).
      this.invalidLine(number, describeJsonError(text));
      return undefined;
    }
    if (!isObject(message) || typeof message.type !== 'string') {
      this.invalidLine(number, 'not a Singer message (no "type")');
      return undefined;
    }
    // Singer types are case-insensitive.
    switch (message.type.toUpperCase()) {
      case 'SCHEMA':
        this.schema(message, number);
        break;
      case 'RECORD': {
        const record = this.record(message, number);
        if (record) into.push(record);
        break;
      }
      case 'STATE':
        if (!('value' in message)) this.invalidLine(number, 'STATE without a "value"');
        else into.push({ kind: 'state', payload: rawMember(text, 'value'), line: number }); // echoed from its text, byte for byte
        break;
      case 'BATCH':
        return message;
      case 'ACTIVATE_VERSION':
        this.warnOnce(`activate:${String(message.stream)}`, 'INFO', `ACTIVATE_VERSION for stream "${String(message.stream)}" ignored: Rokt keeps no table versions to switch`);
        break;
      default:
        this.warnOnce(`type:${message.type}`, 'WARN', `Messages of type ${protocolName(message.type)} are not Singer messages this target uses; ignored (first at line ${number})`);
    }
    return undefined;
  }

  private schema(message: Record<string, unknown>, line: number): void {
    const stream = message.stream;
    if (typeof stream !== 'string' || stream === '') throw new InputError(`SCHEMA on line ${line} has no "stream"`);
    const schema = message.schema;
    if (!isObject(schema) || !isObject(schema.properties)) {
      throw new InputError(`SCHEMA for stream "${stream}" (line ${line}) has no "properties": a target cannot know the stream's fields`);
    }
    const keys = message.key_properties;
    const keyProperties = Array.isArray(keys) ? keys.filter((key): key is string => typeof key === 'string') : [];
    let validate: ValidateFunction | undefined;
    if (this.options.validateRecords) {
      try {
        validate = this.compiler.compile(schema);
      } catch (error) {
        throw new InputError(`SCHEMA for stream "${stream}" (line ${line}) is not a usable JSON Schema: ${schemaProblem(error)}`);
      }
    }
    this.schemas.set(stream, { keyProperties, validate });
    // A re-sent schema may change the key: route again, and check the binding against it now.
    this.options.router.reset({ name: stream });
    this.options.router.route({ name: stream }, keyProperties);
  }

  /** A RECORD becomes a record of its stream, counted (rejected when unusable); without a stream it is an invalid line. */
  private record(message: Record<string, unknown>, line: number): SyncMessage | undefined {
    const stream = message.stream;
    if (typeof stream !== 'string' || stream === '') {
      this.invalidLine(line, 'RECORD without a "stream"');
      return undefined;
    }
    const schema = this.schemaOf(stream, line);
    if (!isObject(message.record)) {
      return { kind: 'record', stream: { name: stream }, data: {}, line, primaryKey: schema.keyProperties, rejection: { reason: 'record is not a JSON object' } };
    }
    return this.toSyncRecord(stream, message.record, line);
  }

  private schemaOf(stream: string, line: number): StreamSchema {
    const schema = this.schemas.get(stream);
    if (!schema) throw new InputError(`RECORD for stream "${stream}" on line ${line} arrived before the stream's SCHEMA`);
    return schema;
  }

  private toSyncRecord(stream: string, data: Record<string, unknown>, line: number): SyncMessage {
    const schema = this.schemaOf(stream, line);
    const missingKey = schema.keyProperties.find((key) => data[key] === undefined);
    if (missingKey !== undefined) throw new InputError(`Record on line ${line} of stream "${stream}" lacks the key property "${missingKey}"`);
    const base = { kind: 'record' as const, stream: { name: stream }, data, line, primaryKey: schema.keyProperties };
    // Numbers kept exactly as written are checked by their nearest JS number; the record travels unchanged.
    if (!schema.validate || schema.validate(withApproximateNumbers(data))) return base;
    const error = schema.validate.errors?.[0];
    const field = error?.instancePath ? error.instancePath.slice(1).replaceAll('/', '.') : undefined;
    // Ajv's messages name the rule, never the value, so no PII reaches the log.
    return { ...base, rejection: { ...(field ? { field } : {}), reason: `does not match the stream's schema: ${field ?? 'record'} ${error?.message ?? 'is invalid'}` } };
  }

  /** Meltano SDK BATCH messages: local JSONL files (optionally gzip) whose lines are records. */
  private async *batch(message: Record<string, unknown>, line: number): AsyncGenerator<SyncMessage[]> {
    const stream = typeof message.stream === 'string' ? message.stream : '';
    const encoding = isObject(message.encoding) ? message.encoding : {};
    const compression = encoding.compression ?? 'none';
    if (encoding.format !== 'jsonl' || (compression !== 'gzip' && compression !== 'none')) {
      throw new InputError(
        `BATCH on line ${line}: encoding format ${protocolName(encoding.format)} with compression ${protocolName(compression)} is not supported; this target reads jsonl batches, optionally gzip-compressed`,
      );
    }
    const manifest = Array.isArray(message.manifest) ? message.manifest : [];
    for (const [index, uri] of manifest.entries()) {
      const path = batchFilePath(uri);
      if (path === undefined) throw new InputError(`BATCH on line ${line}: manifest entry ${index + 1} is not a local file:// URI; this target reads only local batch files`);
      const file = createReadStream(path);
      const input = compression === 'gzip' ? file.pipe(createGunzip()) : file;
      file.on('error', (error) => input.destroy(error));
      // The file's own failure (missing, unreadable, not gzip), to report it by name and kind.
      let fileError: NodeJS.ErrnoException | undefined;
      input.on('error', (error: NodeJS.ErrnoException) => (fileError ??= error));
      try {
        for await (const rows of readLineChunks(input)) {
          const records: SyncMessage[] = [];
          let failure: InputError | undefined;
          for (const row of rows) {
            let data: unknown;
            try {
              data = parseMessageLine(row.text, () => false);
            } catch {
              failure = new InputError(`BATCH file ${path} line ${row.number}: ${describeJsonError(row.text)}`);
              break;
            }
            if (!isObject(data)) {
              failure = new InputError(`BATCH file ${path} line ${row.number} is not a JSON object`);
              break;
            }
            records.push(this.toSyncRecord(stream, data, line));
          }
          if (records.length > 0) yield records;
          if (failure) throw failure;
        }
      } catch (error) {
        throw fileError ? batchReadError(fileError, { path, line }) : error;
      }
    }
  }

  private invalidLine(line: number, reason: string): void {
    this.options.counts.invalidLines += 1;
    if (this.options.counts.invalidLines <= LOGGED_INVALID_LINES) this.options.log('WARN', `Input line ${line} skipped: ${reason}`);
  }

  private warnOnce(key: string, level: 'WARN' | 'INFO', message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.options.log(level, message);
  }
}

/** Ajv's reason a schema does not compile, without quoting the schema's own strings (e.g. an unresolvable $ref). */
function schemaProblem(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  if (/^(can't resolve reference|no schema with key or ref)/.test(message)) return 'it refers ($ref) to a schema that is not inside it';
  if (message.startsWith('schema is invalid:')) return message;
  return 'Ajv cannot compile it';
}

/** A batch file that cannot be read (missing, unreadable, not gzip) is fatal, with a message naming the file. */
function batchReadError(error: NodeJS.ErrnoException, where: { path: string; line: number }): InputError {
  const code = error.code;
  const reason = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'cannot be read (permission denied)' : code === 'EISDIR' ? 'is a folder' : code?.startsWith('Z_') ? 'is not valid gzip data' : `cannot be read (${code ?? 'unknown error'})`;
  return new InputError(`BATCH on line ${where.line}: the batch file ${where.path} ${reason}`);
}

/** A protocol word from the input (a message type, an encoding) for a log line: shown quoted when it looks like one, else only its kind. */
function protocolName(value: unknown): string {
  if (typeof value === 'string' && /^[\w.-]{1,40}$/.test(value)) return `"${value}"`;
  return value === undefined ? 'unset' : `(a ${typeof value === 'string' ? 'string' : typeof value} that is not shown)`;
}
