/**
 * Child processes of the bench: every server runs in its own process, started here and killed at the
 * end — also when the run fails or is interrupted (the `exit` hook kills whatever is still alive).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const COUNTERPAY_BIN = join(REPO_ROOT, 'packages/cli/bin/counterpay.js');
export const BENCH_DIR = join(REPO_ROOT, 'bench');

const alive = new Set<ChildProcess>();

function killAll(): void {
  for (const child of alive) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  alive.clear();
}

process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

/** Variables of counterpay that must not leak from the caller's shell into the bench's processes. */
const COUNTERPAY_ENV = ['PORT', 'SIM_PORT', 'HOST', 'DATA_DIR', 'DATABASE_URL', 'DATABASE_SCHEMA', 'SIM_URL', 'SIM_TLS', 'PUBLIC_URL', 'RUN_WORKERS', 'LOG_LEVEL', 'COUNTERPAY_MASTER_KEY', 'NOTIFY_TIMEOUT_MS', 'NOTIFY_RETRY_SCHEDULE'];

export function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of COUNTERPAY_ENV) delete env[name];
  return { ...env, HOST: '127.0.0.1', ...extra };
}

export interface Child {
  name: string;
  pid: number;
  /** Group 1 of the ready pattern (a URL for servers). */
  ready: string;
  /** The last part of its stdout and stderr, for error messages. */
  output(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  env: Record<string, string>;
  /** A line matching it means "ready"; group 1 is returned as `ready`. */
  readyPattern?: RegExp;
  timeoutMs?: number;
}

const LISTENING = /listening on (http:\/\/127\.0\.0\.1:\d+)/;

/** Starts `node <args>` and waits until it prints its ready line (bounded in time). */
export function startProcess(name: string, args: string[], options: StartOptions): Promise<Child> {
  const pattern = options.readyPattern ?? LISTENING;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: baseEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
  alive.add(child);
  let log = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => alive.delete(child));
  const handle: Omit<Child, 'ready'> = {
    name,
    pid: child.pid ?? -1,
    output: () => log,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
  return new Promise<Child>((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => fail(new Error(`${name} did not start within ${timeoutMs} ms`)), timeoutMs);
    function fail(error: Error): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${error.message}\n--- ${name} output ---\n${log.slice(-4000)}`));
    }
    const onData = (chunk: Buffer) => {
      log = (log + chunk.toString('utf8')).slice(-20_000);
      if (done) return;
      const match = pattern.exec(log);
      if (match) {
        done = true;
        clearTimeout(timer);
        resolve({ ...handle, ready: match[1] ?? '' });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', (error) => fail(error));
    child.once('exit', (code, signal) => fail(new Error(`${name} exited (${signal ?? code}) before it was ready`)));
  });
}

/** Runs a command to completion and returns its stdout (bounded in time); throws on a non-zero exit. */
export function runToEnd(name: string, args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: baseEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    alive.add(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      alive.delete(child);
      if (code === 0) resolve(out);
      else reject(new Error(`${name} failed (${signal ?? code}):\n${err.slice(-3000)}${out.slice(-1000)}`));
    });
  });
}

/** Stops children in reverse start order, ignoring the ones already gone. */
export async function stopAll(children: Array<Child | undefined>): Promise<void> {
  for (const child of [...children].reverse()) await child?.stop().catch(() => undefined);
}

/** A bench entry written in TypeScript, run without a build (as the CLI runs: tsx's loader). */
export function tsEntry(file: string): string[] {
  return ['--import', 'tsx', join(BENCH_DIR, file)];
}
