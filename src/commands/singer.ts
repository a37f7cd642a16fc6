import type { Readable } from 'node:stream';
import { Router } from '../catalog/routes.js';
import { withEnvironment } from '../config/env.js';
import { parseConfig, readJsonFile } from '../config/load.js';
import { assertOutputPathsWritable } from '../config/output-paths.js';
import { ConfigError } from '../errors.js';
import { isObject } from '../protocol/json.js';
import { readLineChunks } from '../protocol/lines.js';
import { SingerReader } from '../protocol/singer-input.js';
import { singerSyncOutput, type StderrLevel } from '../protocol/singer-output.js';
import type { LineWriter } from '../protocol/writer.js';
import { ENV_PREFIX } from './about.js';
import type { Redactor } from '../protocol/redact.js';
import { runSync } from '../sync/run.js';
import { createWriters, secretsRedactor } from './connections.js';

export interface SingerRunOptions {
  /** Several files are merged in order (later wins); the literal `ENV` is accepted and ignored, env is always read. */
  configPaths: string[];
  input: Readable;
  writer: LineWriter;
  log: (level: StderrLevel, message: string) => void;
  setRedactor: (redactor: Redactor) => void;
  env: NodeJS.ProcessEnv;
  dryRun: boolean;
}

export async function runSinger(options: SingerRunOptions): Promise<void> {
  let fileConfig: Record<string, unknown> = {};
  for (const path of options.configPaths) {
    if (path === 'ENV') continue;
    const content = await readJsonFile(path, 'config');
    if (!isObject(content)) throw new ConfigError(`The config file ${path} must hold a JSON object`);
    fileConfig = { ...fileConfig, ...content };
  }
  if (options.configPaths.length === 0 && !options.env[`${ENV_PREFIX}_ACCOUNT_ID`]) throw new ConfigError('Missing --config FILE');
  const parsed = parseConfig(withEnvironment(fileConfig, { prefix: ENV_PREFIX, env: options.env }), { onWarning: (message) => options.log('WARN', message) });
  const config = options.dryRun ? { ...parsed, dry_run: true } : parsed;
  options.setRedactor(secretsRedactor(config));
  // An unwritable output file must fail now, not after records were sent (a re-run would re-send them).
  await assertOutputPathsWritable(config);
  const router = new Router(config, undefined, { keysFromInput: true });
  const counts = { invalidLines: 0 };
  const reader = new SingerReader({ router, validateRecords: config.validate_records, log: options.log, counts });
  const stop = new AbortController();
  try {
    await runSync({
      config,
      router,
      messages: reader.messages(readLineChunks(options.input, { signal: stop.signal })),
      output: singerSyncOutput({ writer: options.writer, log: options.log }),
      stopInput: () => stop.abort(),
      inputCounts: counts,
      createWriters: (objects, log) => createWriters({ config, objects, log }),
    });
  } finally {
    // A fatal error still leaves the states Rokt fully acknowledged before it: they go out first.
    await options.writer.flushed();
  }
}
