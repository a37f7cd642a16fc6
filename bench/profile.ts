// Summarizes a V8 .cpuprofile (from `node --cpu-prof`): self time by function and by file or
// package, and inclusive time of the project's own functions. dist/ locations are mapped back to
// the TypeScript source through the build's source maps.
// CLI: node dist/bench/profile.js FILE.cpuprofile [--top 15] [--json]

import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Row {
  name: string;
  where: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  /** Time not spent idle: the CPU the main thread used. */
  busyMs: number;
  byFunction: Row[];
  byFile: Row[];
  byArea: Row[];
  /** Inclusive time of the project's own (src/) functions. */
  inclusive: Row[];
  /** Inclusive time by area: samples with that area anywhere on the stack (areas overlap). */
  inclusiveByArea: Row[];
}

const ROOT = process.cwd();

/** Maps a generated file location to its TypeScript source, caching each file's source map. */
class SourceLocator {
  private readonly maps = new Map<string, SourceMap | undefined>();

  locate(url: string, line: number, column: number): { file: string; line: number } {
    const path = url.startsWith('file://') ? fileURLToPath(url) : url;
    const map = this.mapOf(path);
    if (map && line >= 0) {
      const entry = map.findEntry(line, Math.max(0, column)) as { originalSource?: string; originalLine?: number };
      if (entry.originalSource) {
        const source = entry.originalSource.startsWith('file://') ? fileURLToPath(entry.originalSource) : entry.originalSource;
        return { file: relative(ROOT, source), line: (entry.originalLine ?? 0) + 1 };
      }
    }
    return { file: shortPath(path), line: line + 1 };
  }

  private mapOf(path: string): SourceMap | undefined {
    if (this.maps.has(path)) return this.maps.get(path);
    let map: SourceMap | undefined;
    if (path.startsWith('/') && !path.includes('/node_modules/') && existsSync(`${path}.map`)) {
      try {
        const payload = JSON.parse(readFileSync(`${path}.map`, 'utf8')) as { sources: string[]; sourceRoot?: string };
        // Resolve sources against the map's own location, so originalSource is an absolute file.
        payload.sources = payload.sources.map((source) => new URL(source, pathToFileURL(path)).href);
        map = new SourceMap(payload as never);
      } catch {
        map = undefined;
      }
    }
    this.maps.set(path, map);
    return map;
  }
}

function shortPath(path: string): string {
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) return path.slice(modules + 1);
  if (path.startsWith('/')) return relative(ROOT, path);
  return path;
}

/** What a file belongs to: a project folder, an npm package, a Node internal area, or V8. */
function areaOf(file: string, name: string): string {
  if (file === '') {
    if (name === '(garbage collector)') return 'V8: garbage collector';
    if (name === '(idle)') return '(idle)';
    if (name === '(program)') return 'V8/native: (program)';
    return `native: ${name}`;
  }
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  if (modules) return `npm: ${modules[1]}`;
  if (file.startsWith('node:')) {
    const internal = /^node:(?:internal\/)?([^/]+)/.exec(file);
    return `node: ${internal?.[1] ?? file}`;
  }
  const ours = /^(src|bench|test)\/([^/]+)/.exec(file);
  if (ours) return ours[2]?.endsWith('.ts') ? `${ours[1]}/ (top level)` : `${ours[1]}/${ours[2]}`;
  return file;
}

export function analyzeProfile(file: string, options: { top?: number } = {}): ProfileSummary {
  const top = options.top ?? 15;
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const locator = new SourceLocator();
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const info = new Map<number, { key: string; name: string; where: string; file: string; area: string }>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
    const name = functionName || (url ? '(anonymous)' : '(native)');
    const located = url ? locator.locate(url, lineNumber, columnNumber) : { file: '', line: 0 };
    const where = located.file ? `${located.file}:${located.line}` : '';
    info.set(node.id, { key: `${name}\u0000${where}`, name, where, file: located.file, area: areaOf(located.file, name) });
  }

  // Self time: each sample's time is the delta to the next sample (as DevTools counts it).
  const selfByNode = new Map<number, number>();
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i += 1) {
    const delta = timeDeltas[i + 1] ?? 0;
    const id = samples[i] as number;
    selfByNode.set(id, (selfByNode.get(id) ?? 0) + delta);
  }
  let totalUs = 0;
  let idleUs = 0;
  const fn = new Map<string, { name: string; where: string; us: number }>();
  const files = new Map<string, number>();
  const areas = new Map<string, number>();
  const inclusive = new Map<string, { name: string; where: string; us: number }>();
  const inclusiveAreas = new Map<string, number>();
  for (const [id, us] of selfByNode) {
    const node = info.get(id);
    if (!node) continue;
    totalUs += us;
    if (node.name === '(idle)') idleUs += us;
    const entry = fn.get(node.key) ?? { name: node.name, where: node.where, us: 0 };
    entry.us += us;
    fn.set(node.key, entry);
    const fileKey = node.file || node.name;
    files.set(fileKey, (files.get(fileKey) ?? 0) + us);
    areas.set(node.area, (areas.get(node.area) ?? 0) + us);
    // Inclusive: every distinct src/ function on this node's stack gets the time once.
    const seen = new Set<string>();
    const seenAreas = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = info.get(at);
      if (frame && !seenAreas.has(frame.area) && frame.name !== '(root)') {
        seenAreas.add(frame.area);
        inclusiveAreas.set(frame.area, (inclusiveAreas.get(frame.area) ?? 0) + us);
      }
      if (!frame || !frame.file.startsWith('src/') || seen.has(frame.key)) continue;
      seen.add(frame.key);
      const total = inclusive.get(frame.key) ?? { name: frame.name, where: frame.where, us: 0 };
      total.us += us;
      inclusive.set(frame.key, total);
    }
  }
  const busyUs = totalUs - idleUs;
  const row = (name: string, where: string, us: number): Row => ({ name, where, ms: Math.round(us / 100) / 10, percent: Math.round((us * 1000) / Math.max(1, busyUs)) / 10 });
  const sorted = <T extends { us: number }>(items: Iterable<T>) => [...items].sort((a, b) => b.us - a.us);
  return {
    file,
    totalMs: Math.round(totalUs / 1000),
    busyMs: Math.round(busyUs / 1000),
    byFunction: sorted(fn.values())
      .filter((entry) => entry.name !== '(idle)')
      .slice(0, top)
      .map((entry) => row(entry.name, entry.where, entry.us)),
    byFile: sorted([...files].map(([name, us]) => ({ name, us })))
      .filter((entry) => entry.name !== '(idle)')
      .slice(0, top)
      .map((entry) => row(entry.name, '', entry.us)),
    byArea: sorted([...areas].map(([name, us]) => ({ name, us })))
      .filter((entry) => entry.name !== '(idle)')
      .map((entry) => row(entry.name, '', entry.us)),
    inclusive: sorted(inclusive.values())
      .slice(0, top)
      .map((entry) => row(entry.name, entry.where, entry.us)),
    inclusiveByArea: sorted([...inclusiveAreas].map(([name, us]) => ({ name, us })))
      .filter((entry) => entry.name !== '(idle)')
      .slice(0, 2 * top)
      .map((entry) => row(entry.name, '', entry.us)),
  };
}

export function formatProfile(summary: ProfileSummary): string {
  const lines: string[] = [];
  const table = (title: string, rows: Row[], withWhere: boolean) => {
    lines.push(title);
    const width = Math.max(...rows.map((r) => r.name.length), 8);
    for (const r of rows) {
      lines.push(`  ${r.ms.toFixed(1).padStart(9)} ms ${r.percent.toFixed(1).padStart(5)}%  ${r.name.padEnd(Math.min(width, 48))}${withWhere && r.where ? `  ${r.where}` : ''}`);
    }
  };
  lines.push(`CPU profile ${relative(ROOT, summary.file)}: ${summary.totalMs} ms sampled, ${summary.busyMs} ms busy (percentages are of busy time)`);
  table('Self time by function:', summary.byFunction, true);
  table('Self time by area:', summary.byArea, false);
  table('Self time by file:', summary.byFile, false);
  table('Inclusive time of src/ functions:', summary.inclusive, true);
  table('Inclusive time by area (anywhere on the stack; areas overlap):', summary.inclusiveByArea, false);
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const file = args.find((arg) => !arg.startsWith('--'));
  const topIndex = args.indexOf('--top');
  if (!file) {
    process.stderr.write('usage: node dist/bench/profile.js FILE.cpuprofile [--top N] [--json]\n');
    process.exit(2);
  }
  const summary = analyzeProfile(file, { top: topIndex >= 0 ? Number(args[topIndex + 1]) : 15 });
  process.stdout.write(args.includes('--json') ? JSON.stringify(summary, null, 2) + '\n' : formatProfile(summary) + '\n');
}
