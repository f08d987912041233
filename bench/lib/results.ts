/** Writes bench/RESULTS.md and the "## Performance" section of README.md from a finished run. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR, REPO_ROOT } from './processes.ts';
import { checksText, markdownTable, type Report } from './report.ts';
import type { Settings } from './settings.ts';

export interface Machine {
  cores: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  date: string;
  loadBefore: number[];
  loadAfter?: number[];
}

export function describeMachine(): Machine {
  return { cores: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version, date: new Date().toISOString(), loadBefore: loadavg() };
}

function command(settings: Settings): string {
  return `npm run bench${settings.argv.length ? ` -- ${settings.argv.join(' ')}` : ''}`;
}

const load = (l: number[] | undefined) => (l ? l.map((x) => x.toFixed(2)).join(' ') : '?');

export function writeResults(settings: Settings, machine: Machine, report: Report, elapsedS: number): void {
  const text = `# Benchmark results

Written by \`${command(settings)}\` (${settings.mode} mode) on ${machine.date}; the run took ${Math.round(elapsedS)} s.

- machine: ${machine.cores} cores, ${machine.cpuModel}, ${machine.memoryGb} GB; Node ${machine.node}
- load average (1/5/15 min) before the run: ${load(machine.loadBefore)}; after: ${load(machine.loadAfter)}
  (the machine is shared: figures are noisy when the load average is well above 0; the ratios, measured in the same run, are what to compare)
- every server runs in its own process on 127.0.0.1; the load generator is autocannon (${settings.connections} connections) in the bench's main process;
  CPU per operation is utime+stime from /proc/<pid>/stat over the measured window divided by the 2xx answers
- reference A: bare Fastify + JSON body validation + one SQLite insert (WAL, synchronous=NORMAL); reference B: the design floor
  (validate, insert, one HMAC-SHA256-signed WeChat Pay v2 XML call to a minimal wallet process, update + outbox row in one transaction)

## Figures

${markdownTable(report.rows)}

## Targets (informative; they never fail the run)

${checksText(report.checks, true)}

## Summary

${report.summary.map((l) => `    ${l}`).join('\n')}
${report.notes.length ? `\n## Notes\n\n${report.notes.map((n) => `- ${n}`).join('\n')}\n` : ''}${report.skipped.length ? `\n## Skipped\n\n${report.skipped.map((n) => `- ${n}`).join('\n')}\n` : ''}`;
  // The hand-written analysis of what bounds the figures (profiles) follows every run's numbers.
  const analysisFile = join(BENCH_DIR, 'ANALYSIS.md');
  const analysis = existsSync(analysisFile) ? `\n${readFileSync(analysisFile, 'utf8')}` : '';
  writeFileSync(join(BENCH_DIR, 'RESULTS.md'), text + analysis);
  updateReadme(settings, machine, report);
}

/** Replaces the body of README.md's "## Performance" section (up to the next "## " heading). */
function updateReadme(settings: Settings, machine: Machine, report: Report): void {
  const file = join(REPO_ROOT, 'README.md');
  const readme = readFileSync(file, 'utf8');
  const start = readme.indexOf('\n## Performance\n');
  if (start < 0) {
    console.warn('README.md has no "## Performance" section; left as it is');
    return;
  }
  const bodyStart = start + '\n## Performance\n'.length;
  const next = readme.indexOf('\n## ', bodyStart);
  const end = next < 0 ? readme.length : next + 1;
  const keyRows = report.rows.filter((r) => /^(A |B |barcode|PostgreSQL)/.test(r.scenario));
  const section = `
\`npm run bench\` measures counterpay against two references run beside it in the same run, each server in
its own process: **A**, the stack (bare Fastify, validate a JSON body, insert one SQLite row) and **B**, the
design floor (validate, insert, one HMAC-signed WeChat Pay v2 XML call to a minimal wallet, update + outbox
row in one transaction). \`npm run bench -- --quick\` is a short run without thresholds. Every figure, ratio
and target is in [bench/RESULTS.md](bench/RESULTS.md); the last ${settings.mode} run (${machine.date.slice(0, 10)}, ${machine.cores} cores ${machine.cpuModel}, Node ${machine.node}, shared machine):

${report.summary.map((l) => `    ${l}`).join('\n')}

${markdownTable(keyRows)}

`;
  writeFileSync(file, readme.slice(0, bodyStart) + section + readme.slice(end));
}
