import { createReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import { Ajv, type ValidateFunction } from 'ajv';
import type { Router } from '../catalog/routes.js';
import { InputError } from '../errors.js';
import type { SyncMessage } from '../sync/messages.js';
import { isObject, parseMessageLine } from './json.js';
import { readLineChunks, type InputLine } from './lines.js';

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
  private readonly ajv = new Ajv({ strict: false, allErrors: false, validateFormats: false });
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
    } catch (error) {
      this.invalidLine(number, `not valid JSON (${(error as Error).message})`);
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
      case 'RECORD':
        into.push(this.record(message, number));
        break;
      case 'STATE':
        if (!('value' in message)) this.invalidLine(number, 'STATE without a "value"');
        else into.push({ kind: 'state', payload: message.value, line: number });
        break;
      case 'BATCH':
        return message;
      case 'ACTIVATE_VERSION':
        this.warnOnce(`activate:${String(message.stream)}`, 'INFO', `ACTIVATE_VERSION for stream "${String(message.stream)}" ignored: Rokt keeps no table versions to switch`);
        break;
      default:
        this.warnOnce(`type:${message.type}`, 'WARN', `Messages of type "${message.type}" are not Singer messages this target uses; ignored (first at line ${number})`);
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
        validate = this.ajv.compile(schema);
      } catch (error) {
        throw new InputError(`SCHEMA for stream "${stream}" (line ${line}) is not a usable JSON Schema: ${(error as Error).message}`);
      }
    }
    this.schemas.set(stream, { keyProperties, validate });
    // A re-sent schema may change the key: route again, and check the binding against it now.
    this.options.router.reset({ name: stream });
    this.options.router.route({ name: stream }, keyProperties);
  }

  private record(message: Record<string, unknown>, line: number): SyncMessage {
    const stream = message.stream;
    if (typeof stream !== 'string') throw new InputError(`RECORD on line ${line} has no "stream"`);
    if (!isObject(message.record)) throw new InputError(`RECORD on line ${line} of stream "${stream}" has no "record" object`);
    return this.toSyncRecord(stream, message.record, line);
  }

  private toSyncRecord(stream: string, data: Record<string, unknown>, line: number): SyncMessage {
    const schema = this.schemas.get(stream);
    if (!schema) throw new InputError(`RECORD for stream "${stream}" on line ${line} arrived before the stream's SCHEMA`);
    const missingKey = schema.keyProperties.find((key) => data[key] === undefined);
    if (missingKey !== undefined) throw new InputError(`Record on line ${line} of stream "${stream}" lacks the key property "${missingKey}"`);
    const base = { kind: 'record' as const, stream: { name: stream }, data, line, primaryKey: schema.keyProperties };
    if (!schema.validate || schema.validate(data)) return base;
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
      throw new InputError(`BATCH on line ${line}: encoding ${JSON.stringify(encoding)} is not supported; this target reads jsonl batches, optionally gzip-compressed`);
    }
    const manifest = Array.isArray(message.manifest) ? message.manifest : [];
    for (const uri of manifest) {
      if (typeof uri !== 'string' || !uri.startsWith('file://')) throw new InputError(`BATCH on line ${line}: only file:// manifest entries are supported, got ${JSON.stringify(uri)}`);
      const file = createReadStream(fileURLToPath(uri));
      const input = compression === 'gzip' ? file.pipe(createGunzip()) : file;
      file.on('error', (error) => input.destroy(error));
      for await (const rows of readLineChunks(input)) {
        const records: SyncMessage[] = [];
        let failure: InputError | undefined;
        for (const row of rows) {
          let data: unknown;
          try {
            data = parseMessageLine(row.text, () => false);
          } catch (error) {
            failure = new InputError(`BATCH file ${uri} line ${row.number} is not valid JSON: ${(error as Error).message}`);
            break;
          }
          if (!isObject(data)) {
            failure = new InputError(`BATCH file ${uri} line ${row.number} is not a JSON object`);
            break;
          }
          records.push(this.toSyncRecord(stream, data, line));
        }
        if (records.length > 0) yield records;
        if (failure) throw failure;
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
