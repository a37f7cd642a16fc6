// `npm run bench`: end-to-end throughput of the built CLI against the Rokt simulator, the floor
// (the unavoidable work on the same rows), throughput under 50 ms latency (adaptive against a fixed
// concurrency of 8), the adaptive-concurrency scenarios (a rate limit, a cap on requests at once, a
// queueing server, a capacity shift: bench/scenarios.ts), peak RSS at two sizes, cold `spec` time,
// and a CPU profile of the connector. Prints a table and writes
// bench/results/latest.json. See bench/README.md.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import split2 from 'split2';
import type { LoadLimit } from '../src/simulator/limits.js';
import { RoktSimulator } from '../src/simulator/server.js';
import { analyzeProfile, formatProfile, type ProfileSummary } from './profile.js';
import { judgeScenario, scenarioPlans, type ScenarioId, type ScenarioVerdict } from './scenarios.js';
import { AUDIENCE_STREAM, benchCatalog, BIG_CURSOR, defaultBaseTime, GeneratedInput, LineGenerator, type Expected, type GenOptions } from './gen.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
let CLI = join(ROOT, 'dist/bin/destination-rokt.mjs');

/** The Node flags on the CLI's `#!/usr/bin/env -S node …` line: the connector runs as it ships. */
function shippedNodeFlags(file: string): string[] {
  const firstLine = readFileSync(file, 'utf8').slice(0, 200).split('\n')[0] ?? '';
  const match = /^#!\S*env -S node((?:\s+-\S+)*)\s*$/.exec(firstLine);
  return match?.[1]?.trim().split(/\s+/).filter(Boolean) ?? [];
}
const FLOOR = join(ROOT, 'dist/bench/floor.js');
const SIM_LOAD = join(ROOT, 'dist/bench/sim-load.js');
const HTTP_COST = join(ROOT, 'dist/bench/http-cost.js');
const EXIT_HOOK = pathToFileURL(join(ROOT, 'dist/bench/exit-stats.js')).href;
const RESULTS = join(ROOT, 'bench/results');
// One folder per bench process: two benches at once must not read each other's config (and send to the other's simulator).
const WORK = join(RESULTS, 'work', String(process.pid));

// ---------------------------------------------------------------- options

const STEPS = ['sim', 'floor', 'zero', 'profile', 'latency', 'fixed', 'rate', 'slots', 'queue', 'shift', 'big', 'spec', 'http'] as const;
const SCENARIO_STEPS: readonly ScenarioId[] = ['rate', 'slots', 'queue', 'shift'];
/** The fixed concurrency the adaptive mode must not be slower than (scenario 5: no limit at all). */
const FIXED_COMPARISON = 8;
type Step = (typeof STEPS)[number];

interface Options {
  rows: number;
  bigRows: number;
  latencyMs: number;
  latencyRows: number;
  audienceShare: number;
  stateEvery: number;
  seed: number;
  repeat: number;
  specRuns: number;
  simLoadMs: number;
  /** Length of a steady phase of the adaptive-concurrency scenarios (s). */
  scenarioSeconds: number;
  httpRequests: number;
  concurrency?: number;
  concurrencyMode?: 'adaptive' | 'fixed';
  batchSize?: number;
  profile: boolean;
  big: boolean;
  top: number;
  out: string;
  quick: boolean;
  /** Extra node flags for the connector child (experiments, e.g. --max-semi-space-size=8). */
  nodeFlags: string[];
  /** Run only these steps (default: all). */
  only?: string[];
}

const HELP = `Usage: node dist/bench/run.js [options]
  --rows N            rows for the zero-latency, floor and profile runs (default 100000)
  --big-rows N        rows for the second peak-RSS run (default 1000000; 0 skips it)
  --latency-ms N      simulator latency for the latency run (default 50)
  --latency-rows N    event rows for each latency run: zero and 50 ms adaptive, 50 ms fixed (default 80000)
  --scenario-seconds N  length of a steady phase in the rate/slots/queue/shift scenarios (default 20)
  --audience-share F  share of audience rows in the mixed runs (default 0.2)
  --state-every N     a STATE after every N records (default 10000)
  --repeat N          repetitions of the floor, zero-latency and latency runs; the median is reported (default 3)
  --spec-runs N       cold starts of \`spec\` and of \`node -e 0\` (default 10)
  --http-requests N   requests per client and round in the HTTP client cost step (default 1500)
  --concurrency N     connector concurrency (default: the connector's own default)
  --concurrency-mode M  adaptive or fixed (default: the connector's own default; the \`fixed\` step always uses fixed)
  --batch-size N      connector batch_size (default: the connector's own default)
  --seed N            generator seed (default 42)
  --no-profile        skip the --cpu-prof run
  --top N             rows in the profile summary (default 15)
  --out FILE          result file (default bench/results/latest.json)
  --node-flag FLAG    extra node flag for the connector (repeatable), e.g. --node-flag=--max-semi-space-size=8
  --cli FILE          the connector entrypoint to run (default dist/bin/destination-rokt.mjs, with the Node flags
                      of its #! line; for A/B runs of a patched build)
  --only LIST         run only some steps: sim,floor,zero,profile,latency,fixed,rate,slots,queue,shift,big,spec,http
                      (default: all)
  --quick             smoke run (< 1 min): 10k rows, 50k big rows, 10k latency rows, 5 s scenario phases and no
                      shift scenario (its 10 s target needs longer phases), 1 repeat, 5 spec runs`;

function parseOptions(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const options: Options = {
    rows: quick ? 10_000 : 100_000,
    bigRows: quick ? 50_000 : 1_000_000,
    latencyMs: 50,
    latencyRows: quick ? 10_000 : 80_000,
    audienceShare: 0.2,
    stateEvery: 10_000,
    seed: 42,
    repeat: quick ? 1 : 3,
    specRuns: quick ? 5 : 10,
    simLoadMs: quick ? 500 : 2000,
    scenarioSeconds: quick ? 5 : 20,
    httpRequests: quick ? 300 : 1500,
    profile: true,
    big: true,
    top: 15,
    out: join(RESULTS, 'latest.json'),
    quick,
    nodeFlags: [],
  };
  const numeric: Record<string, keyof Options> = {
    '--rows': 'rows',
    '--big-rows': 'bigRows',
    '--latency-ms': 'latencyMs',
    '--latency-rows': 'latencyRows',
    '--scenario-seconds': 'scenarioSeconds',
    '--audience-share': 'audienceShare',
    '--state-every': 'stateEvery',
    '--seed': 'seed',
    '--repeat': 'repeat',
    '--spec-runs': 'specRuns',
    '--http-requests': 'httpRequests',
    '--concurrency': 'concurrency',
    '--batch-size': 'batchSize',
    '--top': 'top',
  };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const [flag, inline] = eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
    if (flag === '--quick') continue;
    if (flag === '--help' || flag === '-h') {
      process.stdout.write(HELP + '\n');
      process.exit(0);
    }
    if (flag === '--no-profile') options.profile = false;
    else if (flag === '--only') {
      options.only = (inline ?? (argv[++i] as string)).split(',').map((step) => step.trim());
      const unknown = options.only.filter((step) => !(STEPS as readonly string[]).includes(step));
      if (unknown.length) throw new Error(`--only takes ${STEPS.join(', ')}; not ${unknown.join(', ')}`);
    } else if (flag === '--cli') CLI = resolve(inline ?? (argv[++i] as string));
    else if (flag === '--node-flag') options.nodeFlags.push(inline ?? (argv[++i] as string));
    else if (flag === '--concurrency-mode') {
      const mode = inline ?? (argv[++i] as string);
      if (mode !== 'adaptive' && mode !== 'fixed') throw new Error('--concurrency-mode takes adaptive or fixed');
      options.concurrencyMode = mode;
    } else if (flag === '--out') options.out = resolve(inline ?? (argv[++i] as string));
    else if (numeric[flag]) {
      const value = Number(inline ?? argv[++i]);
      if (!Number.isFinite(value) || value < 0) throw new Error(`${flag} needs a non-negative number`);
      (options as unknown as Record<string, number>)[numeric[flag] as string] = value;
    } else throw new Error(`unknown option ${arg}\n${HELP}`);
  }
  options.big = options.bigRows > 0;
  return options;
}

// ---------------------------------------------------------------- helpers

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};
const round = (value: number, digits = 0): number => Math.round(value * 10 ** digits) / 10 ** digits;
const mib = (kib: number | undefined): number | undefined => (kib === undefined ? undefined : round(kib / 1024, 1));
const progress = (text: string): void => void process.stderr.write(`[bench] ${text}\n`);

function connectorDefaults(): { concurrency: number; batchSize: number } {
  const spec = JSON.parse(readFileSync(join(ROOT, 'spec.json'), 'utf8')) as { connectionSpecification: { properties: Record<string, { default?: number }> } };
  const properties = spec.connectionSpecification.properties;
  return { concurrency: properties.concurrency?.default ?? 8, batchSize: properties.batch_size?.default ?? 100 };
}

function genOptions(options: Options, rows: number, audienceShare: number): GenOptions {
  return { rows, audienceShare, stateEvery: options.stateEvery, seed: options.seed, baseTimeMs: defaultBaseTime() };
}

interface ExitStats {
  code: number;
  vmHwmKiB?: number;
  maxRssKiB?: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  uptimeMs: number;
  eventLoopUtilization: number;
  heapUsedBytes?: number;
  peakHeapTotalBytes?: number;
  peakHeapUsedBytes?: number;
  peakExternalBytes?: number;
}

/** CPU time (ms) the whole machine spent busy so far, from /proc/stat (USER_HZ = 100). */
function machineBusyMs(): number | undefined {
  try {
    const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
    return (user + nice + system + irq + softirq + steal) * 10;
  } catch {
    return undefined;
  }
}

/** Polls VmHWM of a child while it runs (a fallback for the exit hook's exact value). */
function pollPeak(child: ChildProcess): { stop: () => number | undefined } {
  let peak: number | undefined;
  const read = () => {
    try {
      const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (match) peak = Math.max(peak ?? 0, Number(match[1]));
    } catch {
      // gone
    }
  };
  const timer = setInterval(read, 100);
  return {
    stop: () => {
      clearInterval(timer);
      return peak;
    },
  };
}

function readExitStats(path: string): ExitStats | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ExitStats;
  } catch {
    return undefined;
  }
}

/** Runs a node child with the generated input on stdin; collects stdout lines, exit code, timings. */
async function runChild(options: {
  args: string[];
  gen: GenOptions;
  statsFile: string;
  onLine: (line: string) => void;
}): Promise<{ code: number | null; signal: NodeJS.Signals | null; wallMs: number; stderr: string; stats?: ExitStats; polledHwmKiB?: number; expected: Expected; parentCpuMs: number; parentElu: number; otherCpuPercent?: number }> {
  rmSync(options.statsFile, { force: true });
  const generator = new LineGenerator(options.gen);
  const input = new GeneratedInput(generator);
  const eluBefore = performance.eventLoopUtilization();
  const cpuBefore = process.cpuUsage();
  const busyBefore = machineBusyMs();
  const startedAt = performance.now();
  const child = spawn(process.execPath, ['--import', EXIT_HOOK, ...options.args], {
    cwd: ROOT,
    env: { ...process.env, BENCH_EXIT_STATS: options.statsFile },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const poll = pollPeak(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 20_000) stderr += chunk.toString('utf8');
  });
  child.stdin?.on('error', () => undefined); // the child may stop reading early (a failure is reported by its exit)
  input.pipe(child.stdin as Writable);
  const stdoutDone = new Promise<void>((resolveDone) => {
    (child.stdout as NodeJS.ReadableStream).pipe(split2()).on('data', options.onLine).on('end', resolveDone);
  });
  // A safety net so a hung connector cannot hang the bench: far beyond any sane run time.
  const limitMs = 60_000 + options.gen.rows;
  const killer = setTimeout(() => {
    progress(`  child ${child.pid} still running after ${limitMs / 1000} s: killing it`);
    child.kill('SIGKILL');
  }, limitMs);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolveExit) => child.on('exit', (c, s) => resolveExit([c, s])));
  clearTimeout(killer);
  const wallMs = performance.now() - startedAt;
  const polledHwmKiB = poll.stop();
  await stdoutDone;
  input.unpipe();
  input.destroy();
  const cpu = process.cpuUsage(cpuBefore);
  const elu = performance.eventLoopUtilization(eluBefore);
  const busyAfter = machineBusyMs();
  const stats = readExitStats(options.statsFile);
  // CPU used on the machine by anything but this process and the child: other work disturbing the run.
  let otherCpuPercent: number | undefined;
  if (busyBefore !== undefined && busyAfter !== undefined && stats) {
    const ours = (cpu.user + cpu.system) / 1000 + stats.cpuUserMs + stats.cpuSystemMs;
    otherCpuPercent = Math.max(0, round(((busyAfter - busyBefore - ours) * 100) / (wallMs * cpus().length), 1));
  }
  return {
    otherCpuPercent,
    code,
    signal,
    wallMs,
    stderr,
    stats,
    polledHwmKiB,
    expected: generator.expected,
    parentCpuMs: (cpu.user + cpu.system) / 1000,
    parentElu: elu.utilization,
  };
}

// ---------------------------------------------------------------- simulator accounting

/** Counts what the simulator accepted, and empties its recording arrays as it goes (memory). */
class SimAccounting {
  events = 0;
  eventIdSum = 0;
  identifiersByList: Record<string, number> = {};
  requests = 0;
  statuses: Record<string, number> = {};
  /** When the first request arrived and the last answer left (performance.now() ms). */
  firstArrivalMs: number | undefined;
  lastAnswerMs: number | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly sim: RoktSimulator,
    latencyMs = 0,
  ) {
    sim.on('request', (request: { status: number | string }) => {
      const now = performance.now();
      this.firstArrivalMs ??= now - latencyMs; // 'request' fires once answered: the first one arrived latencyMs earlier
      this.lastAnswerMs = now;
      this.statuses[String(request.status)] = (this.statuses[String(request.status)] ?? 0) + 1;
    });
    this.timer = setInterval(() => this.harvest(), 250);
  }

  harvest(): void {
    const { sim } = this;
    for (const event of sim.acceptedEvents) {
      this.events += 1;
      this.eventIdSum += Number(event.clientEventId.slice('bench-ev-'.length));
    }
    sim.acceptedEvents.length = 0;
    for (const op of sim.audienceOps) {
      const sign = op.action === 'include' ? 1 : -1;
      this.identifiersByList[op.list] = (this.identifiersByList[op.list] ?? 0) + sign * op.identifiers.length;
    }
    sim.audienceOps.length = 0;
    this.requests += sim.requests.length;
    sim.requests.length = 0;
  }

  stop(): void {
    clearInterval(this.timer);
    this.harvest();
  }
}

// ---------------------------------------------------------------- connector run

interface ConnectorRun {
  label: string;
  rows: number;
  latencyMs: number;
  wallMs: number;
  rowsPerSecond: number;
  /** rows/s the connector itself reported in its summary (from its own start, after loading). */
  reportedRowsPerSecond?: number;
  /** rows ÷ (last answer − first request arrival) at the simulator: the sending window, without start-up. */
  windowRowsPerSecond?: number;
  peakRssMiB?: number;
  polledPeakRssMiB?: number;
  cpuMs?: number;
  cpuUsPerRow?: number;
  connectorElu?: number;
  benchProcessElu: number;
  benchProcessCpuMs: number;
  /** Machine CPU used by other processes during the run, % of all cores: a noisy run shows here. */
  otherCpuPercent?: number;
  requests: number;
  statuses: Record<string, number>;
  statesEchoed: number;
  heapUsedMiB?: number;
  /** Sampled every 100 ms in the child: V8 heap committed / used, and Buffers + external memory. */
  peakHeapTotalMiB?: number;
  peakHeapUsedMiB?: number;
  peakExternalMiB?: number;
  warnings: string[];
  problems: string[];
  profile?: string;
  /** The `concurrency` figures of the connector's summary. */
  concurrency?: Record<string, unknown>;
}

interface RunPlan {
  label: string;
  rows: number;
  audienceShare: number;
  latencyMs: number;
  profileDir?: string;
  /** Settings that differ from the connector's defaults (e.g. a fixed concurrency). */
  config?: Record<string, unknown>;
  /** A load limit on the simulator (answers 429 are then expected, not a failure). */
  limit?: LoadLimit;
  /** Started once the connector is spawned; returns a stop function. */
  during?: (limit: LoadLimit, now: () => number) => () => void;
}

async function runConnector(options: Options, run: RunPlan): Promise<ConnectorRun> {
  progress(`${run.label}: ${run.rows} rows, latency ${run.latencyMs} ms${run.profileDir ? ', --cpu-prof' : ''}`);
  const sim = new RoktSimulator({ latencyMs: run.latencyMs });
  const url = await sim.start();
  if (run.limit) sim.setLoadLimit(run.limit);
  const accounting = new SimAccounting(sim, run.latencyMs);
  const c = sim.credentials;
  const config: Record<string, unknown> = {
    account_id: c.accountId,
    public_key: c.publicKey,
    secret_key: c.secretKey,
    api_url: url,
    audience_api_url: url,
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(options.concurrencyMode !== undefined ? { concurrency_mode: options.concurrencyMode } : {}),
    ...(options.batchSize !== undefined ? { batch_size: options.batchSize } : {}),
    ...run.config,
  };
  const configFile = join(WORK, 'config.json');
  const catalogFile = join(WORK, 'catalog.json');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  writeFileSync(catalogFile, JSON.stringify(benchCatalog(), null, 2));

  const states: { seq: number; recordCount: number; rejectedRecordCount: number; lossless: boolean }[] = [];
  let summary: Record<string, unknown> | undefined;
  const notes: string[] = []; // become problems: unreadable output, TRACE messages
  const warnings: string[] = []; // WARN/ERROR log lines: reported, not a failure by themselves
  const onLine = (line: string) => {
    if (!line) return;
    let message: { type?: string; state?: { stream?: { stream_state?: { seq?: number } }; destinationStats?: { recordCount: number; rejectedRecordCount: number } }; log?: { level: string; message: string }; trace?: unknown };
    try {
      message = JSON.parse(line) as typeof message;
    } catch {
      notes.push(`stdout line is not JSON: ${line.slice(0, 200)}`);
      return;
    }
    if (message.type === 'STATE') {
      const stats = message.state?.destinationStats;
      states.push({
        seq: Number(message.state?.stream?.stream_state?.seq),
        recordCount: stats?.recordCount ?? Number.NaN,
        rejectedRecordCount: stats?.rejectedRecordCount ?? Number.NaN,
        lossless: line.includes(`"big_cursor":${BIG_CURSOR}`),
      });
    } else if (message.type === 'LOG' && message.log) {
      const text = message.log.message;
      if (text.startsWith('Sync summary:')) summary = JSON.parse(text.slice(text.indexOf('{'))) as Record<string, unknown>;
      else if (message.log.level !== 'INFO' && warnings.length < 10) warnings.push(`${message.log.level}: ${text.slice(0, 300)}`);
    } else if (message.type === 'TRACE') {
      notes.push(`TRACE: ${line.slice(0, 500)}`);
    }
  };

  const args = [...shippedNodeFlags(CLI), ...options.nodeFlags, ...(run.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${run.profileDir}`] : []), CLI, 'write', '--config', configFile, '--catalog', catalogFile];
  const limit = run.limit;
  const stopDuring = limit && run.during?.(limit, () => performance.now());
  const result = await runChild({ args, gen: genOptions(options, run.rows, run.audienceShare), statsFile: join(WORK, 'exit-stats.json'), onLine });
  stopDuring?.();
  accounting.stop();
  await sim.stop();

  // ---- nothing may be lost: check every count against what was generated
  const expected = result.expected;
  const problems = [...notes];
  if (result.code !== 0) problems.push(`exit code ${result.code}${result.signal ? ` (${result.signal})` : ''}; stderr: ${result.stderr.slice(0, 500)}`);
  if (states.length !== expected.states) problems.push(`${states.length} states echoed, ${expected.states} sent`);
  states.forEach((state, index) => {
    if (state.seq !== index + 1 && problems.length < 20) problems.push(`state #${index + 1} echoed out of order (seq ${state.seq})`);
    if (!state.lossless && problems.length < 20) problems.push(`state seq ${state.seq} lost the digits of its big cursor`);
  });
  const stateRecords = states.reduce((sum, s) => sum + s.recordCount, 0);
  const stateRejected = states.reduce((sum, s) => sum + s.rejectedRecordCount, 0);
  if (stateRecords !== expected.rows || stateRejected !== 0) problems.push(`states' destinationStats add up to ${stateRecords} accepted, ${stateRejected} rejected; expected ${expected.rows} and 0`);
  if (!summary) problems.push('no end-of-run summary');
  else if (summary.received !== expected.rows || summary.accepted !== expected.rows || summary.rejected !== 0) {
    problems.push(`summary: received ${String(summary.received)}, accepted ${String(summary.accepted)}, rejected ${String(summary.rejected)}; expected ${expected.rows}/${expected.rows}/0`);
  }
  if (accounting.events !== expected.events || accounting.eventIdSum !== expected.eventIdSum) {
    problems.push(`simulator accepted ${accounting.events} events (id sum ${accounting.eventIdSum}); expected ${expected.events} (id sum ${expected.eventIdSum})`);
  }
  for (const list of new Set([...Object.keys(expected.audienceByList), ...Object.keys(accounting.identifiersByList)])) {
    const want = expected.audienceByList[list] ?? 0;
    const got = accounting.identifiersByList[list] ?? 0;
    if (want !== got) problems.push(`simulator got ${got} identifiers for list "${list}"; expected ${want}`);
  }
  if (expected.audienceRows > 0 && sim.audienceMembers(AUDIENCE_STREAM).size !== (expected.audienceByList[AUDIENCE_STREAM] ?? 0)) {
    problems.push(`list "${AUDIENCE_STREAM}" has ${sim.audienceMembers(AUDIENCE_STREAM).size} members; expected ${expected.audienceByList[AUDIENCE_STREAM] ?? 0}`);
  }
  const badStatuses = Object.entries(accounting.statuses).filter(([status]) => !/^2\d\d$/.test(status) && !(run.limit && status === '429'));
  if (badStatuses.length) problems.push(`simulator answered ${badStatuses.map(([s, n]) => `${n}× ${s}`).join(', ')}`);

  const stats = result.stats;
  const cpuMs = stats ? stats.cpuUserMs + stats.cpuSystemMs : undefined;
  let profile: string | undefined;
  if (run.profileDir) profile = readdirSync(run.profileDir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(run.profileDir as string, f))[0];
  const out: ConnectorRun = {
    label: run.label,
    rows: expected.rows,
    latencyMs: run.latencyMs,
    wallMs: round(result.wallMs),
    rowsPerSecond: round((expected.rows * 1000) / result.wallMs),
    reportedRowsPerSecond: typeof summary?.rows_per_second === 'number' ? summary.rows_per_second : undefined,
    windowRowsPerSecond:
      accounting.firstArrivalMs !== undefined && accounting.lastAnswerMs !== undefined && accounting.lastAnswerMs > accounting.firstArrivalMs
        ? round((expected.rows * 1000) / (accounting.lastAnswerMs - accounting.firstArrivalMs))
        : undefined,
    peakRssMiB: mib(stats?.vmHwmKiB),
    polledPeakRssMiB: mib(result.polledHwmKiB),
    cpuMs: cpuMs === undefined ? undefined : round(cpuMs),
    cpuUsPerRow: cpuMs === undefined ? undefined : round((cpuMs * 1000) / expected.rows, 1),
    connectorElu: stats ? round(stats.eventLoopUtilization, 3) : undefined,
    benchProcessElu: round(result.parentElu, 3),
    benchProcessCpuMs: round(result.parentCpuMs),
    otherCpuPercent: result.otherCpuPercent,
    requests: accounting.requests,
    statuses: accounting.statuses,
    statesEchoed: states.length,
    heapUsedMiB: stats?.heapUsedBytes === undefined ? undefined : round(stats.heapUsedBytes / 1048576, 1),
    peakHeapTotalMiB: stats?.peakHeapTotalBytes === undefined ? undefined : round(stats.peakHeapTotalBytes / 1048576, 1),
    peakHeapUsedMiB: stats?.peakHeapUsedBytes === undefined ? undefined : round(stats.peakHeapUsedBytes / 1048576, 1),
    peakExternalMiB: stats?.peakExternalBytes === undefined ? undefined : round(stats.peakExternalBytes / 1048576, 1),
    warnings,
    problems,
    profile,
    concurrency: summary?.concurrency as Record<string, unknown> | undefined,
  };
  progress(`  ${out.rowsPerSecond} rows/s, ${out.wallMs} ms, peak RSS ${out.peakRssMiB} MiB${problems.length ? `, PROBLEMS: ${problems.join('; ')}` : ', all rows and states accounted for'}`);
  return out;
}

// ---------------------------------------------------------------- floor, generator, simulator capacity

interface FloorRun {
  rows: number;
  wallMs: number;
  rowsPerSecond: number;
  innerMs?: number;
  cpuMs?: number;
  cpuUsPerRow?: number;
  peakRssMiB?: number;
  bodies?: number;
  bodyBytes?: number;
  hashApi?: string;
  benchProcessElu?: number;
  otherCpuPercent?: number;
  problems: string[];
}

async function runFloor(options: Options, rows: number): Promise<FloorRun> {
  progress(`floor: ${rows} rows`);
  let output: { lines: number; events: number; identifiers: number; states: number; bodies: number; bodyBytes: number; elapsedMs: number; hashApi: string } | undefined;
  const result = await runChild({
    args: [FLOOR],
    gen: genOptions(options, rows, options.audienceShare),
    statsFile: join(WORK, 'floor-exit-stats.json'),
    onLine: (line) => {
      if (line) output = JSON.parse(line) as typeof output;
    },
  });
  const problems: string[] = [];
  if (result.code !== 0) problems.push(`floor exit code ${result.code}: ${result.stderr.slice(0, 500)}`);
  if (!output || output.events !== result.expected.events || output.identifiers !== result.expected.audienceRows) {
    problems.push(`floor saw ${output?.events} events and ${output?.identifiers} identifiers; expected ${result.expected.events} and ${result.expected.audienceRows}`);
  }
  const cpuMs = result.stats ? result.stats.cpuUserMs + result.stats.cpuSystemMs : undefined;
  const out: FloorRun = {
    rows,
    wallMs: round(result.wallMs),
    rowsPerSecond: round((rows * 1000) / result.wallMs),
    innerMs: output ? round(output.elapsedMs) : undefined,
    cpuMs: cpuMs === undefined ? undefined : round(cpuMs),
    cpuUsPerRow: cpuMs === undefined ? undefined : round((cpuMs * 1000) / rows, 1),
    peakRssMiB: mib(result.stats?.vmHwmKiB),
    bodies: output?.bodies,
    bodyBytes: output?.bodyBytes,
    hashApi: output?.hashApi,
    benchProcessElu: round(result.parentElu, 3),
    otherCpuPercent: result.otherCpuPercent,
    problems,
  };
  progress(`  ${out.rowsPerSecond} rows/s, ${out.wallMs} ms${problems.length ? `, PROBLEMS: ${problems.join('; ')}` : ''}`);
  return out;
}

/** How fast the bench process alone produces the input (it shares a core with the simulator). */
async function measureGenerator(options: Options, rows: number): Promise<{ rows: number; ms: number; rowsPerSecond: number; bytes: number }> {
  const generator = new LineGenerator(genOptions(options, rows, options.audienceShare));
  const startedAt = performance.now();
  await new Promise<void>((done, fail) => {
    const sink = new Writable({ write: (_chunk, _enc, callback) => callback() });
    new GeneratedInput(generator).pipe(sink).on('finish', done).on('error', fail);
  });
  const ms = performance.now() - startedAt;
  return { rows, ms: round(ms), rowsPerSecond: round((rows * 1000) / ms), bytes: generator.expected.bytes };
}

async function measureSimulator(options: Options, concurrency: number): Promise<{ eventsPerSecond: number; identifiersPerSecond: number; mixedRowsPerSecond: number; benchProcessElu: number }> {
  progress(`simulator capacity: ${options.simLoadMs} ms of events and of audience imports at concurrency ${concurrency}`);
  const sim = new RoktSimulator({ latencyMs: 0 });
  const url = await sim.start();
  const accounting = new SimAccounting(sim);
  const c = sim.credentials;
  const eluBefore = performance.eventLoopUtilization();
  const runLoad = (kind: 'events' | 'audiences') =>
    runJsonChild<{ itemsPerSecond: number; failures: number }>(SIM_LOAD, { url, kind, concurrency, durationMs: options.simLoadMs, accountId: c.accountId, publicKey: c.publicKey, secretKey: c.secretKey });
  const events = await runLoad('events');
  const audiences = await runLoad('audiences');
  const elu = performance.eventLoopUtilization(eluBefore);
  accounting.stop();
  await sim.stop();
  const share = options.audienceShare;
  const mixed = 1 / ((1 - share) / events.itemsPerSecond + share / audiences.itemsPerSecond);
  progress(`  ${round(events.itemsPerSecond)} events/s, ${round(audiences.itemsPerSecond)} identifiers/s`);
  return { eventsPerSecond: round(events.itemsPerSecond), identifiersPerSecond: round(audiences.itemsPerSecond), mixedRowsPerSecond: round(mixed), benchProcessElu: round(elu.utilization, 3) };
}

/**
 * Runs a bench helper with its options as one JSON argument and returns the JSON line it prints.
 * Asynchronously: spawnSync would block the simulator's event loop in this process.
 */
function runJsonChild<T>(file: string, argument: unknown): Promise<T> {
  return new Promise<T>((done, fail) => {
    const child = spawn(process.execPath, [file, JSON.stringify(argument)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    child.on('close', (code) => (code === 0 ? done(JSON.parse(text) as T) : fail(new Error(`${relative(ROOT, file)} exited ${code}`))));
  });
}

interface HttpCost {
  gotUsPerRequest: number;
  nodeHttpUsPerRequest: number;
  got: number[];
  nodeHttp: number[];
  eventsPerRequest: number;
  averageBodyBytes: number;
}

/** Client CPU per Event API request: the connector's got-based HttpClient against bare node:http. */
async function measureHttpCost(options: Options, concurrency: number): Promise<HttpCost> {
  const rounds = options.quick ? 1 : 3;
  progress(`HTTP client cost: ${rounds} × ${options.httpRequests} requests per client at concurrency ${concurrency}, simulator at 0 ms`);
  const sim = new RoktSimulator({ latencyMs: 0 });
  const url = await sim.start();
  const c = sim.credentials;
  try {
    const cost = await runJsonChild<HttpCost>(HTTP_COST, { url, concurrency, requests: options.httpRequests, rounds, accountId: c.accountId, publicKey: c.publicKey, secretKey: c.secretKey });
    progress(`  got (as shipped) ${round(cost.gotUsPerRequest)} µs, node:http ${round(cost.nodeHttpUsPerRequest)} µs of client CPU per request`);
    return cost;
  } finally {
    await sim.stop();
  }
}

function measureSpec(runs: number): { specMs: number; nodeMs: number; ratio: number; specRunsMs: number[]; nodeRunsMs: number[] } {
  progress(`cold start: ${runs} × spec, ${runs} × node -e 0`);
  const time = (args: string[], check?: (stdout: string) => boolean): number => {
    const startedAt = performance.now();
    const result = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const ms = performance.now() - startedAt;
    if (result.status !== 0 || (check && !check(result.stdout))) throw new Error(`${args.join(' ')} failed: ${result.stderr}`);
    return ms;
  };
  const isSpec = (stdout: string) => stdout.includes('"type":"SPEC"');
  const cli = [...shippedNodeFlags(CLI), CLI];
  time([...cli, 'spec'], isSpec); // warm the file cache
  time(['-e', '0']);
  const specRunsMs: number[] = [];
  const nodeRunsMs: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    nodeRunsMs.push(round(time(['-e', '0']), 1));
    specRunsMs.push(round(time([...cli, 'spec'], isSpec), 1));
  }
  const specMs = round(median(specRunsMs), 1);
  const nodeMs = round(median(nodeRunsMs), 1);
  return { specMs, nodeMs, ratio: round(specMs / nodeMs, 2), specRunsMs, nodeRunsMs };
}

// ---------------------------------------------------------------- report

interface Target {
  name: string;
  goal: string;
  measured: string;
  pass: boolean;
}

function table(headers: string[], rows: (string | number | undefined)[][]): string {
  const cells = [headers, ...rows.map((row) => row.map((cell) => (cell === undefined ? '–' : String(cell))))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  const line = (row: string[]) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] as number) : cell.padStart(widths[column] as number))).join('  ');
  return [line(cells[0] as string[]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

function gitDescribe(): string {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim() !== '';
  return head ? `${head}${dirty ? ' (src/ modified)' : ''}` : 'unknown';
}

// ---------------------------------------------------------------- main

const MB_IN_MIB = 1_000_000 / 1_048_576;

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  for (const file of [CLI, FLOOR, SIM_LOAD, HTTP_COST]) if (!existsSync(file)) throw new Error(`${relative(ROOT, file)} is missing: run npm run build first`);
  mkdirSync(WORK, { recursive: true });
  const steps = new Set<Step>((options.only as Step[] | undefined) ?? STEPS);
  if (!options.profile) steps.delete('profile');
  if (!options.big) steps.delete('big');
  // Settling within 10 s after a capacity change cannot be judged with the short phases of a smoke run.
  if (options.quick && !options.only) steps.delete('shift');
  const defaults = connectorDefaults();
  const concurrency = options.concurrency ?? defaults.concurrency;
  const batchSize = options.batchSize ?? defaults.batchSize;
  const startedAt = performance.now();

  // ---- measure
  let generator: Awaited<ReturnType<typeof measureGenerator>> | undefined;
  let simCapacity: Awaited<ReturnType<typeof measureSimulator>> | undefined;
  if (steps.has('sim')) {
    generator = await measureGenerator(options, options.rows);
    progress(`generator alone: ${generator.rowsPerSecond} rows/s (${generator.rows} rows, ${round(generator.bytes / generator.rows)} bytes/row)`);
    simCapacity = await measureSimulator(options, concurrency);
  }
  const floors: FloorRun[] = [];
  const zero: ConnectorRun[] = [];
  for (let i = 0; i < Math.max(1, options.repeat); i += 1) {
    if (steps.has('floor')) floors.push(await runFloor(options, options.rows));
    if (steps.has('zero')) zero.push(await runConnector(options, { label: `zero latency #${i + 1}`, rows: options.rows, audienceShare: options.audienceShare, latencyMs: 0 }));
  }
  let profiled: ConnectorRun | undefined;
  let profile: ProfileSummary | undefined;
  if (steps.has('profile')) {
    const dir = join(RESULTS, 'profile');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    profiled = await runConnector(options, { label: 'zero latency, --cpu-prof', rows: options.rows, audienceShare: options.audienceShare, latencyMs: 0, profileDir: dir });
    if (profiled.profile) {
      profile = analyzeProfile(profiled.profile, { top: options.top });
      writeFileSync(join(RESULTS, 'profile-summary.txt'), formatProfile(profile) + '\n');
    }
  }
  // Events only, measured over the sending window: the zero-latency run is what this CPU can do with
  // the same rows, the bound of the latency target when it is below concurrency × batch / latency.
  // The three runs are interleaved `--repeat` times and compared by their medians: other work on
  // the machine then disturbs all three alike.
  const latencyZeroRuns: ConnectorRun[] = [];
  const latencyRuns: ConnectorRun[] = [];
  const fixedRuns: ConnectorRun[] = [];
  for (let i = 0; i < Math.max(1, options.repeat); i += 1) {
    if (steps.has('latency')) {
      latencyZeroRuns.push(await runConnector(options, { label: `zero latency (events only) #${i + 1}`, rows: options.latencyRows, audienceShare: 0, latencyMs: 0 }));
      latencyRuns.push(await runConnector(options, { label: `latency ${options.latencyMs} ms (events only) #${i + 1}`, rows: options.latencyRows, audienceShare: 0, latencyMs: options.latencyMs }));
    }
    if (steps.has('fixed')) {
      fixedRuns.push(
        await runConnector(options, {
          label: `latency ${options.latencyMs} ms, fixed concurrency ${FIXED_COMPARISON} #${i + 1}`,
          rows: options.latencyRows,
          audienceShare: 0,
          latencyMs: options.latencyMs,
          config: { concurrency: FIXED_COMPARISON, concurrency_mode: 'fixed' },
        }),
      );
    }
  }
  const medianRun = (runs: ConnectorRun[]) => [...runs].sort((a, b) => (a.windowRowsPerSecond ?? a.rowsPerSecond) - (b.windowRowsPerSecond ?? b.rowsPerSecond))[Math.floor(runs.length / 2)];
  const latencyZero = medianRun(latencyZeroRuns);
  const latency = medianRun(latencyRuns);
  const fixed = medianRun(fixedRuns);
  const scenarios: { id: ScenarioId; label: string; run: ConnectorRun; verdict: ScenarioVerdict }[] = [];
  for (const plan of scenarioPlans(options.scenarioSeconds).filter((candidate) => steps.has(candidate.id))) {
    const limit = plan.limit(performance.now());
    const run = await runConnector(options, { label: `scenario ${plan.id}`, rows: plan.rows, audienceShare: 0, latencyMs: plan.latencyMs, limit, during: plan.during });
    const verdict = judgeScenario(plan, limit);
    progress(`  ${plan.label}: ${verdict.server}; connector: ${verdict.measured}\n  answers/refusals per second: ${verdict.timeline}`);
    scenarios.push({ id: plan.id, label: plan.label, run, verdict });
  }
  const big = steps.has('big') ? await runConnector(options, { label: `zero latency, ${options.bigRows} rows`, rows: options.bigRows, audienceShare: options.audienceShare, latencyMs: 0 }) : undefined;
  const spec = steps.has('spec') ? measureSpec(options.specRuns) : undefined;
  const httpCost = steps.has('http') ? await measureHttpCost(options, concurrency) : undefined;

  // ---- derive
  const floorRowsPerSecond = floors.length ? median(floors.map((f) => f.rowsPerSecond)) : undefined;
  const floorCpuUs = floors.length ? median(floors.map((f) => f.cpuUsPerRow ?? Number.NaN)) : undefined;
  const connectorRowsPerSecond = zero.length ? median(zero.map((r) => r.rowsPerSecond)) : undefined;
  const connectorCpuUs = zero.length ? median(zero.map((r) => r.cpuUsPerRow ?? Number.NaN)) : undefined;
  const smallPeak = zero.length ? Math.max(...zero.map((r) => r.peakRssMiB ?? 0)) : undefined;
  const ratio = floorRowsPerSecond && connectorRowsPerSecond ? connectorRowsPerSecond / floorRowsPerSecond : undefined;
  const theoretical = (concurrency * batchSize * 1000) / Math.max(1, options.latencyMs);
  // Latency runs are measured over the sending window (first request to last answer), so process
  // start-up does not count against them. The bound is the lower of what `concurrency` requests
  // can carry at this latency and what the connector does on this CPU with no latency at all.
  const windowRate = (run: ConnectorRun | undefined) => (run ? (run.windowRowsPerSecond ?? run.rowsPerSecond) : undefined);
  const latencyRowsPerSecond = windowRate(latency);
  const cpuBound = windowRate(latencyZero);
  const latencyBound = cpuBound !== undefined && cpuBound < theoretical ? { rowsPerSecond: cpuBound, which: 'zero-latency throughput (CPU)' } : { rowsPerSecond: theoretical, which: `${concurrency}×${batchSize}/${options.latencyMs} ms` };
  const latencyShare = latencyRowsPerSecond !== undefined ? latencyRowsPerSecond / latencyBound.rowsPerSecond : undefined;
  const fixedRowsPerSecond = windowRate(fixed);
  const adaptiveVsFixed = latencyRowsPerSecond !== undefined && fixedRowsPerSecond ? latencyRowsPerSecond / fixedRowsPerSecond : undefined;

  // ---- targets (measured, not asserted)
  const label = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : String(n));
  const rssGoal = `≤ 150 MB (${round(150 * MB_IN_MIB, 1)} MiB)`;
  const targets: Target[] = [];
  if (ratio !== undefined) targets.push({ name: 'CPU path vs floor', goal: 'connector ≥ 50% of floor rows/s', measured: `${round(ratio * 100, 1)}%`, pass: ratio >= 0.5 });
  if (latencyShare !== undefined) {
    targets.push({
      name: `${options.latencyMs} ms latency vs its bound`,
      goal: `≥ 85% of min(${concurrency}×${batchSize}/${options.latencyMs} ms = ${round(theoretical)}, zero latency ${cpuBound ?? '–'}) rows/s: ${latencyBound.which}`,
      measured: `${round(latencyShare * 100, 1)}%`,
      pass: latencyShare >= 0.85,
    });
  }
  if (adaptiveVsFixed !== undefined) {
    targets.push({
      name: `no limit, ${options.latencyMs} ms: adaptive vs fixed ${FIXED_COMPARISON}`,
      goal: '≥ 95%',
      measured: `${round(adaptiveVsFixed * 100, 1)}% (${latencyRowsPerSecond} vs ${fixedRowsPerSecond} rows/s)`,
      pass: adaptiveVsFixed >= 0.95,
    });
  }
  for (const scenario of scenarios) targets.push(...scenario.verdict.targets);
  if (smallPeak !== undefined) targets.push({ name: `peak RSS at ${label(options.rows)} rows`, goal: rssGoal, measured: `${smallPeak} MiB`, pass: smallPeak > 0 && smallPeak <= 150 * MB_IN_MIB });
  if (big?.peakRssMiB !== undefined) {
    targets.push({ name: `peak RSS at ${label(options.bigRows)} rows`, goal: rssGoal, measured: `${big.peakRssMiB} MiB`, pass: big.peakRssMiB <= 150 * MB_IN_MIB });
    if (smallPeak) {
      targets.push({
        name: `RSS growth ${label(options.rows)} → ${label(options.bigRows)}`,
        goal: `≤ 1.2 × the ${label(options.rows)} peak`,
        measured: `${round(big.peakRssMiB / smallPeak, 2)}×`,
        pass: big.peakRssMiB <= 1.2 * smallPeak,
      });
    }
  }
  if (spec) targets.push({ name: 'cold spec vs node -e 0', goal: '≤ 3×', measured: `${spec.ratio}× (${spec.specMs} / ${spec.nodeMs} ms)`, pass: spec.ratio <= 3 });
  const allRuns = [
    ...zero,
    ...(profiled ? [profiled] : []),
    ...latencyZeroRuns,
    ...latencyRuns,
    ...fixedRuns,
    ...scenarios.map((scenario) => scenario.run),
    ...(big ? [big] : []),
  ];
  const problems = [...floors.flatMap((f) => f.problems), ...allRuns.flatMap((r) => r.problems.map((p) => `${r.label}: ${p}`))];
  const warnings = [...new Set(allRuns.flatMap((r) => r.warnings))];

  // ---- print
  const runRows = allRuns.map((r) => [r.label, r.rows, r.rowsPerSecond, r.reportedRowsPerSecond, r.windowRowsPerSecond, r.wallMs, r.cpuUsPerRow, r.connectorElu, r.peakRssMiB, r.peakHeapTotalMiB, r.requests, r.benchProcessElu, r.otherCpuPercent, r.problems.length ? 'FAILED' : 'ok']);
  const floorRows = floors.map((f, i) => [`floor #${i + 1}`, f.rows, f.rowsPerSecond, undefined, undefined, f.wallMs, f.cpuUsPerRow, undefined, f.peakRssMiB, undefined, 0, f.benchProcessElu, f.otherCpuPercent, f.problems.length ? 'FAILED' : 'ok']);
  const lines: string[] = [];
  lines.push(`destination-rokt benchmark — node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, commit ${gitDescribe()}`);
  lines.push(
    `rows: ${options.rows} (audience share ${options.audienceShare}, STATE every ${options.stateEvery}); concurrency ${concurrency}, batch_size ${batchSize}` +
      `; connector: ${relative(ROOT, CLI)} ${[...shippedNodeFlags(CLI), ...options.nodeFlags].join(' ') || '(no node flags)'}${options.quick ? '; --quick' : ''}`,
  );
  if (floorRows.length + runRows.length) {
    lines.push('');
    lines.push(table(['run', 'rows', 'rows/s', 'own rows/s', 'window rows/s', 'wall ms', 'CPU µs/row', 'ELU', 'peak RSS MiB', 'heap MiB', 'requests', 'bench ELU', 'other CPU %', 'check'], [...floorRows, ...runRows]));
    lines.push(
      '  rows/s: rows ÷ wall time from spawn to exit.  own rows/s: what the connector reports in its summary.\n' +
        '  window rows/s: rows ÷ (last answer − first request) at the simulator, i.e. without start-up.  CPU µs/row: user+system CPU of the child ÷ rows.\n' +
        '  heap MiB: peak V8 heap committed (sampled every 100 ms).  ELU: event-loop utilization of the child (1 = CPU-bound).  bench ELU: of this process (generator + simulator).  other CPU %: machine CPU used by other processes during the run (noise).',
    );
  }
  const measures: (string | number | undefined)[][] = [];
  if (floorRowsPerSecond !== undefined) measures.push([`floor rows/s (median; SHA-256 by ${floors[0]?.hashApi ?? '?'})`, floorRowsPerSecond]);
  if (connectorRowsPerSecond !== undefined) measures.push(['connector rows/s, zero latency (median)', connectorRowsPerSecond]);
  if (ratio !== undefined) {
    measures.push(['connector / floor (rows/s)', `${round(ratio * 100, 1)}%`]);
    measures.push(['connector / floor (CPU per row)', `${round(((floorCpuUs ?? 0) / (connectorCpuUs ?? 1)) * 100, 1)}% (${connectorCpuUs} vs ${floorCpuUs} µs/row)`]);
  }
  if (latencyZero) measures.push(['rows/s at zero latency, events only (sending window, median)', cpuBound]);
  if (latency) {
    measures.push([`rows/s at ${options.latencyMs} ms latency, adaptive (sending window, median; its wall: ${latency.rowsPerSecond})`, latencyRowsPerSecond]);
    measures.push(['theoretical concurrency × batch / latency', round(theoretical)]);
  }
  if (fixed) measures.push([`rows/s at ${options.latencyMs} ms latency, fixed concurrency ${FIXED_COMPARISON} (median)`, fixedRowsPerSecond]);
  if (spec) {
    measures.push(['cold spec median ms', spec.specMs]);
    measures.push(['node -e 0 median ms', spec.nodeMs]);
  }
  if (httpCost) {
    const perEvent = (us: number) => round(us / httpCost.eventsPerRequest, 1);
    measures.push([`HTTP client CPU µs per request of 100 events (${round(httpCost.averageBodyBytes / 1024)} KiB): got, as shipped`, `${round(httpCost.gotUsPerRequest)} (${perEvent(httpCost.gotUsPerRequest)} per event)`]);
    measures.push(['  the same through bare node:http', `${round(httpCost.nodeHttpUsPerRequest)} (${perEvent(httpCost.nodeHttpUsPerRequest)} per event)`]);
  }
  if (generator && simCapacity) {
    measures.push(['generator alone rows/s (bench process)', generator.rowsPerSecond]);
    measures.push(['simulator capacity events/s (0 ms, lean client)', simCapacity.eventsPerSecond]);
    measures.push(['simulator capacity identifiers/s', simCapacity.identifiersPerSecond]);
    measures.push(['simulator capacity for the row mix, rows/s', simCapacity.mixedRowsPerSecond]);
  }
  if (measures.length) lines.push('', table(['measure', 'value'], measures));
  if (scenarios.length) {
    const concurrencyOf = (run: ConnectorRun) => {
      const figures = run.concurrency as { average_in_flight?: number; peak_in_flight?: number; throttled_requests?: number; waiting_seconds?: number } | undefined;
      return figures ? `avg ${figures.average_in_flight}, peak ${figures.peak_in_flight}, waited ${figures.waiting_seconds} s` : undefined;
    };
    lines.push('', table(['scenario', 'the server delivered', 'the connector got', 'concurrency (connector summary)'], scenarios.map((s) => [s.label, s.verdict.server, s.verdict.measured, concurrencyOf(s.run)])));
  }
  if (targets.length) lines.push('', table(['target', 'goal', 'measured', 'result'], targets.map((t) => [t.name, t.goal, t.measured, t.pass ? 'PASS' : 'MISS'])));
  if (profile) {
    lines.push('');
    lines.push(`Top ${options.top} self-time functions of the connector (profiled run, ${profiled?.rows} rows, ${profile.busyMs} ms busy; full summary in bench/results/profile-summary.txt):`);
    lines.push(table(['function', 'where', 'self ms', '% busy'], profile.byFunction.map((r) => [r.name, r.where, r.ms, r.percent])));
    lines.push('');
    lines.push(table(['area (self)', 'self ms', '% busy'], profile.byArea.slice(0, 12).map((r) => [r.name, r.ms, r.percent])));
  }
  lines.push('');
  const noisy = [...floors.map((f) => ({ label: 'floor', other: f.otherCpuPercent })), ...allRuns.map((r) => ({ label: r.label, other: r.otherCpuPercent }))].filter((r) => (r.other ?? 0) > 10);
  if (noisy.length) {
    lines.push(
      `NOISE: other processes used more than 10% of the machine during ${noisy.length} run(s) (up to ${Math.max(...noisy.map((r) => r.other ?? 0))}%): ` +
        'rows/s and the targets that depend on them are unreliable; CPU µs/row is less affected. Re-run on an idle machine.',
    );
  }
  if (warnings.length) lines.push(`Connector warnings (not failures):\n  ${warnings.join('\n  ')}`);
  if (allRuns.length + floors.length) {
    lines.push(problems.length ? `ROW/STATE CHECK FAILED:\n  ${problems.join('\n  ')}` : 'Check: every run delivered every row, every state came back in order and lossless, nothing was rejected.');
  }
  lines.push(`Total bench time ${round((performance.now() - startedAt) / 1000, 1)} s. Results: ${relative(ROOT, options.out)}`);
  process.stdout.write(lines.join('\n') + '\n');
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out.replace(/\.json$/, '') + '.txt', lines.join('\n') + '\n');

  const result = {
    when: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    commit: gitDescribe(),
    options: { ...options, concurrency, batchSize, steps: [...steps] },
    generator,
    simulatorCapacity: simCapacity,
    floor: floors.length ? { runs: floors, rowsPerSecond: floorRowsPerSecond, cpuUsPerRow: floorCpuUs } : undefined,
    zeroLatency: zero.length ? { runs: zero, rowsPerSecond: connectorRowsPerSecond, cpuUsPerRow: connectorCpuUs, ratioToFloor: ratio === undefined ? undefined : round(ratio, 3) } : undefined,
    latency: latency
      ? { runs: latencyRuns, zeroLatencyRuns: latencyZeroRuns, fixedRuns, theoreticalRowsPerSecond: round(theoretical), bound: latencyBound, share: round(latencyShare ?? 0, 3), adaptiveVsFixed }
      : undefined,
    scenarios: scenarios.map((scenario) => ({ id: scenario.id, label: scenario.label, verdict: scenario.verdict, run: scenario.run })),
    rss: { smallRows: options.rows, smallPeakMiB: smallPeak, bigRows: big ? options.bigRows : undefined, bigPeakMiB: big?.peakRssMiB, bigRun: big },
    spec,
    httpCost,
    profiled,
    profile,
    targets,
    warnings,
    problems,
  };
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, JSON.stringify(result, null, 2) + '\n');
  rmSync(WORK, { recursive: true, force: true });
  if (problems.length) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
