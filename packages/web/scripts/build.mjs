#!/usr/bin/env node
// Builds the web screens (packages/web/dist) when the build is missing or older than its sources.
// Runs from the root `prepare` script (npm install, npm ci), from `counterpay start`, and from the
// browser tests; `--force` rebuilds regardless. Plain JavaScript so it runs before anything else is set up.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const WEB = dirname(dirname(fileURLToPath(import.meta.url)));
const DIST = join(WEB, 'dist');
/** Written last by a successful build, so a half-written dist counts as missing. */
const STAMP = join(DIST, '.built');
const SOURCES = ['src', 'pos.html', 'dashboard.html', 'vite.config.ts', 'package.json', 'scripts/build.mjs'];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** True when dist/ is missing or any source file changed after the last build. */
export function webBuildIsStale() {
  if (!existsSync(STAMP)) return true;
  const built = statSync(STAMP).mtimeMs;
  return SOURCES.some((source) => newestMtime(join(WEB, source)) > built);
}

/**
 * Runs `vite build` in packages/web into a fresh directory, then swaps it in for dist/: a gateway serving
 * dist/ never sees half a build, and two builds at once (tests starting in parallel) cannot mix files.
 * Throws with vite's output when the build fails.
 */
export function buildWeb({ quiet = false } = {}) {
  const vite = join(dirname(createRequire(join(WEB, 'package.json')).resolve('vite/package.json')), 'bin', 'vite.js');
  const fresh = `${DIST}.building-${process.pid}-${Date.now()}`;
  try {
    const result = spawnSync(process.execPath, [vite, 'build', '--outDir', fresh, '--emptyOutDir', '--logLevel', quiet ? 'error' : 'warn'], { cwd: WEB, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`building the web screens failed (vite build in ${WEB}):\n${result.stdout}${result.stderr}`);
    writeFileSync(join(fresh, '.built'), new Date().toISOString());
    const old = `${DIST}.old-${process.pid}-${Date.now()}`;
    if (existsSync(DIST)) renameSync(DIST, old);
    renameSync(fresh, DIST);
    rmSync(old, { recursive: true, force: true });
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
}

/** Builds when stale; answers whether it built. */
export function ensureWebBuilt({ quiet = false } = {}) {
  if (!webBuildIsStale()) return false;
  buildWeb({ quiet });
  return true;
}

export const WEB_DIST = DIST;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const force = process.argv.includes('--force');
  const started = Date.now();
  try {
    if (force) buildWeb();
    else if (!ensureWebBuilt()) {
      console.log(`web screens up to date (${DIST})`);
      process.exit(0);
    }
    console.log(`web screens built in ${Date.now() - started} ms (${DIST})`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
