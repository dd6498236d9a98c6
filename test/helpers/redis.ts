// A redis-server (Debian package redis-server) of the test's own: loopback only, a free port, its own
// directory (append-only file, so a stop and start keeps the stream and its consumer groups), stopped by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freeTcpPort, waitListening } from '../../bench/loopback.js';

export const REDIS_SERVER = '/usr/bin/redis-server';

export { freeTcpPort };

export interface TestRedis {
  port: number;
  dir: string;
  /** The running server's pid (null while stopped). */
  readonly pid: number | null;
  /** What the server wrote (its log goes to stdout). */
  readonly output: string;
  start(): Promise<void>;
  /** SIGTERM (the server writes its append-only file and exits), then waits for the exit. */
  stop(): Promise<void>;
  /** stop() and removes the directory. */
  destroy(): Promise<void>;
}

/** Starts a redis-server on 127.0.0.1; fails loudly when the Debian package is not installed. */
export async function startRedis(opts: { port?: number } = {}): Promise<TestRedis> {
  if (!existsSync(REDIS_SERVER)) {
    throw new Error(`${REDIS_SERVER} not found: install the Debian package redis-server (bash scripts/setup.sh test does)`);
  }
  const port = opts.port ?? (await freeTcpPort());
  const dir = mkdtempSync(path.join(tmpdir(), 'ng-redis-'));
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let output = '';
  const r: TestRedis = {
    port,
    dir,
    get pid() {
      return child?.pid ?? null;
    },
    get output() {
      return output;
    },
    async start() {
      const c = spawn(
        REDIS_SERVER,
        ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--daemonize', 'no', '--protected-mode', 'yes', '--loglevel', 'warning'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child = c;
      c.stdout?.setEncoding('utf8').on('data', (d: string) => (output += d));
      c.stderr?.setEncoding('utf8').on('data', (d: string) => (output += d));
      exited = new Promise((resolve) => c.once('exit', () => resolve()));
      try {
        await waitListening(port, 10_000, 'redis-server');
      } catch (e) {
        c.kill('SIGKILL');
        throw new Error(`${(e as Error).message}\n${output}`);
      }
    },
    async stop() {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      process.kill(c.pid as number, 'SIGTERM');
      const t = setTimeout(() => c.pid && c.exitCode === null && process.kill(c.pid, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
      child = null;
    },
    async destroy() {
      await r.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await r.start();
  return r;
}
