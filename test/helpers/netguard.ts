// Runs the NetGuard command line from source (node --import tsx src/main.ts) or from the built bundle, optionally inside a namespace.
import { spawn, type ChildProcess } from 'node:child_process';
import fs, { createReadStream } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const MAIN = path.join(ROOT, 'src/main.ts');
export const CORPUS = path.resolve(ROOT, '../shared/corpus');
/** What bin/netguard runs: tsc's output bundled by scripts/bundle.mjs (scripts/setup.sh builds both). */
export const BUNDLE_MAIN = path.join(ROOT, 'dist/bundle/main.js');
/** tsc's output, which the bundle is made from. */
export const DIST_MAIN = path.join(ROOT, 'dist/src/main.js');

/** BUNDLE_MAIN, after checking that it is there and not older than tsc's output (else the tests would try old code). */
export function builtBundle(): string {
  if (!fs.existsSync(BUNDLE_MAIN) || !fs.existsSync(DIST_MAIN)) {
    throw new Error(`${BUNDLE_MAIN} or ${DIST_MAIN} is missing: the test script builds them first (scripts/setup.sh)`);
  }
  if (fs.statSync(DIST_MAIN).mtimeMs > fs.statSync(BUNDLE_MAIN).mtimeMs) {
    throw new Error(`${BUNDLE_MAIN} is older than tsc's output: run node scripts/bundle.mjs (npm run build and scripts/setup.sh do)`);
  }
  return BUNDLE_MAIN;
}

/** tsx's loader by absolute URL, so NetGuard can run from source in any working directory. */
export const TSX_LOADER = pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

export interface RunOptions {
  /** Run inside this network namespace. */
  netns?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to stdin, then stdin is closed. */
  stdin?: string;
  /** A file streamed to stdin (binary), then stdin is closed. */
  stdinFile?: string;
  timeoutMs?: number;
  /** Run the bundle bin/netguard runs (builtBundle()) with node, instead of the source through tsx. */
  bundle?: boolean;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The argv that starts NetGuard: [command, ...args]; from source, or with `bundle` the built bundle. */
export function netguardArgv(args: string[], netns?: string, bundle = false): string[] {
  const base = bundle ? [process.execPath, builtBundle(), ...args] : [process.execPath, '--import', TSX_LOADER, MAIN, ...args];
  return netns ? ['ip', 'netns', 'exec', netns, ...base] : base;
}

/** Starts NetGuard and returns the child; the caller ends it (SIGINT/SIGTERM) and awaits `done`. */
export function spawnNetguard(args: string[], opts: RunOptions = {}): { child: ChildProcess; done: Promise<RunResult> } {
  const [cmd, ...rest] = netguardArgv(args, opts.netns, opts.bundle);
  const child = spawn(cmd, rest, {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  if (opts.stdin !== undefined) child.stdin?.end(opts.stdin);
  else if (opts.stdinFile !== undefined && child.stdin) createReadStream(opts.stdinFile).pipe(child.stdin);
  const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : null;
  const done = new Promise<RunResult>((resolve) => {
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, done };
}

/** Runs NetGuard to completion. */
export function runNetguard(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return spawnNetguard(args, { timeoutMs: 120_000, ...opts }).done;
}

/** Parses JSON lines, ignoring blank ones. */
export function jsonLines<T = Record<string, unknown>>(text: string): T[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}
