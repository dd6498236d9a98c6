// runDashboard on a fake terminal: enters and leaves the alternate screen, resolves on q (and Ctrl+C),
// and stops polling the engine and drops its alert subscription once it has.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { runDashboard } from '../../src/ui/index.js';
import { FakeControl } from './fixtures.js';
import { sleep } from './helpers.js';

class FakeStdout extends EventEmitter {
  isTTY = true;
  columns = 100;
  rows = 30;
  out = '';
  write(s: string): boolean {
    this.out += s;
    return true;
  }
}

/** Enough of a TTY ReadStream for Ink: raw mode, and keys read on 'readable'. */
class FakeStdin extends EventEmitter {
  isTTY = true;
  rawMode = false;
  private queue: string[] = [];
  setRawMode(on: boolean): this {
    this.rawMode = on;
    return this;
  }
  setEncoding(): this {
    return this;
  }
  resume(): this {
    return this;
  }
  pause(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  read(): string | null {
    return this.queue.shift() ?? null;
  }
  type(s: string): void {
    this.queue.push(s);
    this.emit('readable');
  }
}

async function start(): Promise<{ c: FakeControl; stdout: FakeStdout; stdin: FakeStdin; done: Promise<void>; quits: () => number; resolved: () => boolean }> {
  const c = new FakeControl();
  const stdout = new FakeStdout();
  const stdin = new FakeStdin();
  let quits = 0;
  let resolved = false;
  const done = runDashboard(c, {
    refreshHz: 20,
    historySize: 100,
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    onQuit: () => quits++,
  }).then(() => {
    resolved = true;
  });
  await sleep(200);
  return { c, stdout, stdin, done, quits: () => quits, resolved: () => resolved };
}

describe('runDashboard', () => {
  it('uses the alternate screen, puts stdin in raw mode, and resolves when q is pressed', async () => {
    const { c, stdout, stdin, done, quits, resolved } = await start();
    expect(stdout.out.startsWith('\x1b[?1049h')).toBe(true);
    expect(stdin.rawMode).toBe(true);
    expect(c.listenerCount).toBe(1);
    expect(resolved()).toBe(false);
    stdin.type('p');
    await sleep(50);
    expect(resolved()).toBe(false);
    stdin.type('q');
    await done;
    expect(quits()).toBe(1);
    expect(stdout.out.endsWith('\x1b[?1049l')).toBe(true);
    expect(stdin.rawMode).toBe(false);
    expect(c.listenerCount).toBe(0);
    // No more polling once it has returned.
    const calls = c.snapshotCalls;
    await sleep(200);
    expect(c.snapshotCalls).toBe(calls);
  });

  it('treats Ctrl+C as quit', async () => {
    const { stdin, done, quits } = await start();
    stdin.type('\x03');
    await done;
    expect(quits()).toBe(1);
  });

  it('ends like q when the terminal hangs up (SIGHUP) or input ends', async () => {
    const listeners = process.listenerCount('SIGHUP');
    const a = await start();
    expect(process.listenerCount('SIGHUP')).toBeGreaterThan(listeners);
    process.emit('SIGHUP', 'SIGHUP');
    await a.done;
    expect(a.quits()).toBe(1);
    expect(process.listenerCount('SIGHUP')).toBe(listeners);
    const b = await start();
    b.stdin.emit('end');
    await b.done;
    expect(b.quits()).toBe(1);
    expect(b.c.listenerCount).toBe(0);
  });

  it('refuses a stdin that is not a terminal with a clear message', async () => {
    const stdin = new FakeStdin();
    stdin.isTTY = false;
    const stdout = new FakeStdout();
    await expect(
      runDashboard(new FakeControl(), { refreshHz: 4, historySize: 10, stdout: stdout as unknown as NodeJS.WriteStream, stdin: stdin as unknown as NodeJS.ReadStream }),
    ).rejects.toThrow('the dashboard needs a terminal on stdin to read its keys (use --batch for scripts)');
    expect(stdout.out).toBe('');
  });

  it('does not switch screens when stdout is not a terminal', async () => {
    const c = new FakeControl();
    const stdout = new FakeStdout();
    stdout.isTTY = false;
    const stdin = new FakeStdin();
    const done = runDashboard(c, { refreshHz: 4, historySize: 10, stdout: stdout as unknown as NodeJS.WriteStream, stdin: stdin as unknown as NodeJS.ReadStream });
    await sleep(100);
    stdin.type('q');
    await done;
    expect(stdout.out).not.toContain('\x1b[?1049h');
  });
});
