// Preloaded into the connector by the benchmark (`node --import …/exit-stats.js`): samples the V8
// heap every 100 ms and, just before the process exits, writes its peak RSS (VmHWM from
// /proc/self/status), CPU time, event-loop utilization and heap peaks to the file named by
// BENCH_EXIT_STATS. Touches nothing else (the sampling timer is unref'd).

import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

const target = process.env.BENCH_EXIT_STATS;

function kib(status: string, field: string): number | undefined {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) : undefined;
}

if (target) {
  delete process.env.BENCH_EXIT_STATS; // not inherited by anything the connector might start
  const peaks = { heapTotal: 0, heapUsed: 0, external: 0 };
  const sample = () => {
    const heap = getHeapStatistics();
    const memory = process.memoryUsage();
    peaks.heapTotal = Math.max(peaks.heapTotal, heap.total_heap_size);
    peaks.heapUsed = Math.max(peaks.heapUsed, heap.used_heap_size);
    peaks.external = Math.max(peaks.external, memory.external + memory.arrayBuffers);
  };
  setInterval(sample, 100).unref();
  process.on('exit', (code) => {
    sample();
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
        peakHeapTotalBytes: peaks.heapTotal,
        peakHeapUsedBytes: peaks.heapUsed,
        peakExternalBytes: peaks.external,
      }),
    );
  });
}
