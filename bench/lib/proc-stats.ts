/** CPU time and memory of a process, read from /proc (Linux). */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let clockTicks: number | undefined;

/** Clock ticks per second of /proc/<pid>/stat times (getconf CLK_TCK; 100 on every usual Linux). */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** utime + stime of the process, in microseconds. */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces; the fields after its closing parenthesis start at field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1_000_000) / ticksPerSecond();
}

/** Resident set size (VmRSS) in MB. */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

/** CPU used by each process between `start()` and `stop()`. */
export function cpuMeter(pids: number[]): { stop(): number[] } {
  const before = pids.map(cpuMicros);
  return { stop: () => pids.map((pid, i) => cpuMicros(pid) - before[i]!) };
}

/**
 * What a counterpay process's memory is made of, from its /metrics (prom-client's Node figures) and
 * /proc: the V8 heap (reserved and in use), memory outside it that V8 tracks (buffers), and the rest of
 * the resident set (SQLite's page cache, compiled code, the TypeScript loader, malloc's own slack).
 */
export async function memoryBreakdown(baseUrl: string, pid: number): Promise<string> {
  const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
  const metric = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(metrics)?.[1] ?? NaN) / 1024 / 1024;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN) / 1024;
  const heapTotal = metric('nodejs_heap_size_total_bytes');
  const heapUsed = metric('nodejs_heap_size_used_bytes');
  const external = metric('nodejs_external_memory_bytes');
  const rss = kb('VmRSS');
  const mb = (n: number) => `${Math.round(n)} MB`;
  return `RSS ${mb(rss)} (anonymous ${mb(kb('RssAnon'))}, file-backed ${mb(kb('RssFile'))}): V8 heap ${mb(heapTotal)} reserved, ${mb(heapUsed)} in use; external ${mb(external)}; the rest ${mb(rss - heapTotal - external)}`;
}
