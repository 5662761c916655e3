/**
 * Memory during a transfer: this process's RSS (the "container") and the summed VmRSS of the workerd
 * processes below it (the Worker, and miniflare's local D1, KV and R2, which run inside workerd),
 * sampled every 25 ms. Linux only (/proc).
 */
import { readdirSync, readFileSync } from 'node:fs';

export const SAMPLE_MS = 25;

export interface ProcessInfo {
  pid: number;
  ppid: number;
  comm: string;
}

function readProcess(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces or parentheses: split after the last one.
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const ppid = Number(stat.slice(close + 2).split(' ')[1]);
    return { pid, ppid, comm };
  } catch {
    return undefined; // gone meanwhile
  }
}

/** Every live process below `root`, found through the parent links in /proc/<pid>/stat. */
export function descendants(root: number): ProcessInfo[] {
  const all = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readProcess(Number(name)))
    .filter((info): info is ProcessInfo => info !== undefined);
  const below = new Set([root]);
  const found: ProcessInfo[] = [];
  // Parents before children is not guaranteed by pid order: repeat until nothing new turns up.
  for (let grew = true; grew; ) {
    grew = false;
    for (const info of all) {
      if (below.has(info.ppid) && !below.has(info.pid)) {
        below.add(info.pid);
        found.push(info);
        grew = true;
      }
    }
  }
  return found;
}

/** VmRSS of a process in bytes; 0 if it is gone. */
export function vmRss(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU seconds (user + system) a process has used so far; 0 if it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime, fields 14 and 15 of stat(5), in clock ticks (100 a second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

export interface MemorySummary {
  /** This process: RSS just before the transfer, and its peak during it (bytes). */
  containerBaseline: number;
  containerPeak: number;
  /** The workerd processes' summed VmRSS, likewise. */
  workerBaseline: number;
  workerPeak: number;
  /** Each workerd process: baseline and peak VmRSS (bytes), CPU seconds used during the transfer. */
  perWorker: { pid: number; baseline: number; peak: number; cpuSeconds: number }[];
  /** CPU seconds this process used during the transfer. */
  containerCpuSeconds: number;
  /** Every second: `seconds:container MiB/worker MiB`, to tell a plateau from steady growth. */
  timeline: string[];
  samples: number;
  /** The longest gap between two samples (ms): how well the 25 ms held. */
  maxGapMs: number;
}

export interface Sampler {
  stop(): MemorySummary;
}

/** Starts sampling now; the first sample is the baseline. */
export function sampleMemory(workerPids: number[]): Sampler {
  const cpuBefore = process.cpuUsage();
  const perWorker = workerPids.map((pid) => {
    const rss = vmRss(pid);
    return { pid, baseline: rss, peak: rss, cpuSeconds: cpuSeconds(pid) };
  });
  const baseline = perWorker.reduce((sum, w) => sum + w.baseline, 0);
  const rss = process.memoryUsage().rss;
  const summary: MemorySummary = {
    containerBaseline: rss,
    containerPeak: rss,
    workerBaseline: baseline,
    workerPeak: baseline,
    perWorker,
    containerCpuSeconds: 0,
    timeline: [],
    samples: 0,
    maxGapMs: 0,
  };
  const start = performance.now();
  let last = start;
  let marked = start - 1000;
  const sample = () => {
    const now = performance.now();
    summary.maxGapMs = Math.max(summary.maxGapMs, now - last);
    last = now;
    summary.samples++;
    const container = process.memoryUsage().rss;
    summary.containerPeak = Math.max(summary.containerPeak, container);
    let sum = 0;
    for (const worker of perWorker) {
      const current = vmRss(worker.pid);
      worker.peak = Math.max(worker.peak, current);
      sum += current;
    }
    summary.workerPeak = Math.max(summary.workerPeak, sum);
    if (now - marked >= 1000) {
      marked = now;
      const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
      summary.timeline.push(`${Math.round((now - start) / 1000)}:${mib(container)}/${mib(sum)}`);
    }
  };
  const timer = setInterval(sample, SAMPLE_MS);
  let stopped = false;
  return {
    stop() {
      if (stopped) return summary;
      stopped = true;
      clearInterval(timer);
      sample();
      for (const worker of perWorker) worker.cpuSeconds = cpuSeconds(worker.pid) - worker.cpuSeconds;
      const cpu = process.cpuUsage(cpuBefore);
      summary.containerCpuSeconds = (cpu.user + cpu.system) / 1e6;
      return summary;
    },
  };
}
