/**
 * counterpay's benchmark suite: `npm run bench [-- --quick | --smoke]`. Every scenario runs beside its
 * references in the same run; each server is its own child process on 127.0.0.1, all killed at the end.
 * The main process is only the orchestrator and the load generator. See bench/README.md.
 */
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { Context } from './lib/context.ts';
import { Report, checksText, textTable } from './lib/report.ts';
import { describeMachine, writeResults } from './lib/results.ts';
import { parseSettings, wants } from './lib/settings.ts';
import { barcode } from './scenarios/barcode.ts';
import { lookups } from './scenarios/lookups.ts';
import { memory } from './scenarios/memory.ts';
import { notifications } from './scenarios/notifications.ts';
import { postgres } from './scenarios/postgres.ts';
import { floorB, stackA } from './scenarios/references.ts';
import { rsaSign } from './scenarios/rsa-sign.ts';

const settings = parseSettings(process.argv.slice(2));
const machine = describeMachine();
const report = new Report();
const ctx: Context = { settings, report, rss: [] };
const started = performance.now();
console.log(`counterpay bench, ${settings.mode} mode: ${machine.cores} cores ${machine.cpuModel}, Node ${machine.node}, load average ${machine.loadBefore.map((l) => l.toFixed(2)).join(' ')}; data in ${settings.dataRoot}`);

/** Runs one scenario group if selected, and says how long it took (start-ups included). */
async function group(name: string, run: (ctx: Context) => void | Promise<void>): Promise<void> {
  if (!wants(settings, name)) return;
  const t = performance.now();
  await run(ctx);
  console.log(`  (${name}: ${((performance.now() - t) / 1000).toFixed(1)} s)`);
}

let failed = false;
try {
  await group('rsa', rsaSign);
  await group('a', stackA);
  await group('b', floorB);
  await group('barcode', barcode);
  await group('lookups', lookups);
  await group('notifications', notifications);
  await group('postgres', postgres);
  memory(ctx);
} catch (error) {
  failed = true;
  console.error(`bench failed: ${(error as Error).stack ?? String(error)}`);
} finally {
  if (!settings.keepData) rmSync(settings.dataRoot, { recursive: true, force: true });
}

machine.loadAfter = loadavg();
const elapsedS = (performance.now() - started) / 1000;
console.log(`\n${textTable(report.rows)}\n\ntargets (informative, never failing the run):\n${checksText(report.checks, false)}\n`);
if (report.summary.length) console.log(report.summary.join('\n'));
console.log(`\n${settings.mode} run took ${Math.round(elapsedS)} s; load average after ${machine.loadAfter.map((l) => l.toFixed(2)).join(' ')}`);
if (failed) process.exit(1);
if (settings.writeResults) {
  writeResults(settings, machine, report, elapsedS);
  console.log('wrote bench/RESULTS.md and README.md "## Performance"');
}
process.exit(0);
