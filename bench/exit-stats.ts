// Preloaded into the connector by the benchmark (`node --import …/exit-stats.js`): just before
// the process exits it writes its peak RSS (VmHWM from /proc/self/status), CPU time and event-loop
// utilization to the file named by BENCH_EXIT_STATS. Touches nothing else.

import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const target = process.env.BENCH_EXIT_STATS;

function kib(status: string, field: string): number | undefined {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) : undefined;
}

if (target) {
  process.on('exit', (code) => {
    let status = '';
    try {
      status = readFileSync('/proc/self/status', 'utf8');
    } catch {
      // not Linux: fall back to getrusage below
    }
    const usage = process.resourceUsage();
    const cpu = process.cpuUsage();
    const elu = performance.eventLoopUtilization();
    writeFileSync(
      target,
      JSON.stringify({
        code,
        vmHwmKiB: kib(status, 'VmHWM') ?? usage.maxRSS,
        vmRssKiB: kib(status, 'VmRSS'),
        maxRssKiB: usage.maxRSS,
        cpuUserMs: cpu.user / 1000,
        cpuSystemMs: cpu.system / 1000,
        uptimeMs: process.uptime() * 1000,
        eventLoopUtilization: elu.utilization,
        heapUsedBytes: process.memoryUsage().heapUsed,
      }),
    );
  });
}
