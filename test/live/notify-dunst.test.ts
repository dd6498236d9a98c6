// Real desktop notifications: Xvfb, a D-Bus session (dbus-launch) and the dunst daemon; NotifySink sends
// through node-notifier (notify-send), and `dunstctl history` lists what was actually shown.
// Debian packages: xvfb dbus-x11 dunst libnotify-bin.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotifySink } from '../../src/alert/sinks/notify.js';
import type { Alert } from '../../src/alert/types.js';
import { tempDirs } from '../helpers/temp-dir.js';

const tempDir = tempDirs('ng-notify-');

const DISPLAY = ':93';
const procs: ChildProcess[] = [];
let dbusPid = 0;
const env: NodeJS.ProcessEnv = { ...process.env, DISPLAY };
const saved = { DISPLAY: process.env.DISPLAY, DBUS: process.env.DBUS_SESSION_BUS_ADDRESS };

function dunstctl(...args: string[]): string {
  return execFileSync('dunstctl', args, { env, encoding: 'utf8', timeout: 5000 });
}

async function until(fn: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      if (fn()) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Summaries and bodies of every notification dunst has shown (moved to history by close-all). */
function shown(): Array<{ summary: string; body: string; appname: string }> {
  dunstctl('close-all');
  const h = JSON.parse(dunstctl('history')) as { data: Array<Array<Record<string, { data: string }>>> };
  return h.data[0].map((n) => ({ summary: n.summary.data, body: n.body.data, appname: n.appname.data }));
}

function alert(n: number, message: string): Alert {
  const ts = new Date(1_700_000_000_000 + n).toISOString();
  return { id: `n-${n}`, timestamp: ts, last_seen: ts, type: 'SYN_SCAN', severity: 'HIGH', message, src_ip: '10.0.0.1', dst_ip: '10.0.0.2', details: {}, count: 1 };
}

beforeAll(async () => {
  for (const bin of ['Xvfb', 'dbus-launch', 'dunst', 'dunstctl', 'notify-send']) {
    try {
      execFileSync('which', [bin]);
    } catch {
      throw new Error(`${bin} is missing: apt-get install xvfb dbus-x11 dunst libnotify-bin`);
    }
  }
  const x = spawn('Xvfb', [DISPLAY, '-screen', '0', '800x600x24', '-nolisten', 'tcp'], { stdio: 'ignore' });
  procs.push(x);
  await until(() => existsSync(`/tmp/.X11-unix/X${DISPLAY.slice(1)}`), 10_000);
  const out = execFileSync('dbus-launch', ['--sh-syntax'], { env, encoding: 'utf8' });
  env.DBUS_SESSION_BUS_ADDRESS = /DBUS_SESSION_BUS_ADDRESS='([^']+)'/.exec(out)![1];
  dbusPid = Number(/DBUS_SESSION_BUS_PID=(\d+)/.exec(out)![1]);
  const d = spawn('dunst', [], { env, stdio: 'ignore' });
  procs.push(d);
  await until(() => dunstctl('count', 'displayed').trim() === '0', 10_000);
  // node-notifier runs notify-send with this process's environment.
  process.env.DISPLAY = DISPLAY;
  process.env.DBUS_SESSION_BUS_ADDRESS = env.DBUS_SESSION_BUS_ADDRESS;
});

afterAll(() => {
  for (const p of procs.reverse()) p.kill('SIGTERM');
  if (dbusPid) {
    try {
      process.kill(dbusPid, 'SIGTERM');
    } catch {
      /* gone */
    }
  }
  if (saved.DISPLAY === undefined) delete process.env.DISPLAY;
  else process.env.DISPLAY = saved.DISPLAY;
  if (saved.DBUS === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
  else process.env.DBUS_SESSION_BUS_ADDRESS = saved.DBUS;
});

describe('desktop notifications through dunst', () => {
  it('shows an alert, honours the cooldown, and shows wire text literally (no shell expansion)', async () => {
    const dir = tempDir();
    const marker = path.join(dir, 'pwned');
    const debug: string[] = [];
    const s = new NotifySink({ cooldownSec: 60, minSeverity: 'LOW', debug: (m) => debug.push(m) });
    s.onAlert(alert(1, `SYN scan of 120 ports $(touch ${marker}) \`touch ${marker}\` "; touch ${marker}; #`));
    s.onAlert(alert(2, 'second, inside the cooldown'));
    s.onAlert(alert(3, 'third, inside the cooldown'));
    await s.flush();
    await until(() => shown().length >= 1, 10_000);
    const list = shown();
    expect(debug).toEqual([]);
    expect(list).toHaveLength(1);
    expect(list[0].summary).toBe('NetGuard HIGH: SYN_SCAN');
    expect(list[0].body).toBe(`10.0.0.1 -> 10.0.0.2: SYN scan of 120 ports $(touch ${marker}) \`touch ${marker}\` "; touch ${marker}; #`);
    expect(list[0].appname).toBe('NetGuard');
    expect(existsSync(marker)).toBe(false);
  });

  it('after the cooldown the next alert is shown, counting the folded ones', async () => {
    let now = 0;
    const s = new NotifySink({ cooldownSec: 5, minSeverity: 'LOW', now: () => now });
    s.onAlert(alert(10, 'first'));
    now = 1000;
    s.onAlert(alert(11, 'folded'));
    now = 6000;
    s.onAlert(alert(12, 'after cooldown'));
    await s.flush();
    await until(() => shown().some((n) => n.body.includes('after cooldown')), 10_000);
    const bodies = shown().map((n) => n.body);
    expect(bodies).toContain('10.0.0.1 -> 10.0.0.2: first');
    expect(bodies).toContain('10.0.0.1 -> 10.0.0.2: after cooldown (+1 more alert)');
    expect(bodies.some((b) => b.includes('folded'))).toBe(false);
  });
});
