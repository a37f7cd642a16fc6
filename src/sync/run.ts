import type { Router } from '../catalog/routes.js';
import type { Config } from '../config/schema.js';
import type { AnyFamilyWriter, RoktObject } from './family.js';
import { pacedInput } from './input-pacing.js';
import type { SyncMessage, SyncOutput } from './messages.js';
import { WritePipeline } from './pipeline.js';
import type { RunReport } from './report.js';

export interface RunSyncOptions {
  config: Config;
  router: Router;
  messages: AsyncIterable<readonly SyncMessage[]>;
  output: SyncOutput;
  stopInput: () => void;
  /** Filled in by the protocol reader while the run goes on. */
  inputCounts: { invalidLines: number };
  /** Creates one writer per routed object (the API families; in a dry run, writers that send nothing). */
  createWriters: (objects: Set<RoktObject>, log: (level: 'ERROR' | 'WARN' | 'INFO', message: string) => void) => {
    writers: Map<RoktObject, AnyFamilyWriter>;
    familyOf?: Map<RoktObject, string>;
    dryRun?: { requests: number };
    notes: string[];
  };
}

/**
 * One `write` run, Airbyte or Singer: the writers, the engine, signal handling, and the
 * end-of-run summary as one LOG line (a sentence plus its JSON details).
 */
export async function runSync(options: RunSyncOptions): Promise<RunReport> {
  const { config } = options;
  const log = (level: 'ERROR' | 'WARN' | 'INFO', message: string) => void options.output.log(level, message);
  const { writers, familyOf, dryRun, notes } = options.createWriters(options.router.objects(), log);
  const output = dryRun ? withheldStates(options.output) : options.output;
  if (dryRun) {
    await output.log('WARN', `Dry run: nothing is sent to Rokt; the requests that would be sent go to ${config.dry_run_output_path ?? 'stderr'}. No STATE is echoed: it would advance the source's cursor although nothing reached Rokt.`);
  }
  for (const note of notes) await output.log('INFO', note);
  const pipeline = new WritePipeline({ ...options, messages: pacedInput(options.messages), output, writers, familyOf });
  const onSignal = (signal: 'SIGTERM' | 'SIGINT') => pipeline.interrupt(signal);
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  let report: RunReport;
  try {
    report = await pipeline.run();
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
  report.invalidLines = options.inputCounts.invalidLines;
  const extras = pipeline.summaryExtras();
  const summary = report.summary(extras.details);
  const sentence = `${summary.sentence}; ${extras.sentence}`;
  const details = summary.details;
  const prefix = dryRun ? `Dry run (${dryRun.requests} requests not sent): ` : '';
  await output.log('INFO', `${prefix}${sentence} ${JSON.stringify({ ...details, dry_run: Boolean(dryRun) })}`);
  return report;
}

/** In a dry run states are counted, not echoed. */
function withheldStates(output: SyncOutput): SyncOutput {
  let withheld = 0;
  return {
    ...output,
    async emitState() {
      withheld += 1;
      if (withheld === 1) await output.log('INFO', 'Dry run: STATE messages are withheld (not echoed).');
    },
  };
}
