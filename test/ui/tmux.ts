// Drives NetGuard's dashboard in a real terminal through tmux: start a session, type keys, read the screen.
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach } from 'vitest';
import { netguardArgv, ROOT } from '../helpers/netguard.js';

const run = promisify(execFile);

const quote = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/**
 * The shell command that starts NetGuard. `--import tsx` is resolved from the working directory, and
 * the tests run in a temporary one (so that capture.pcap and the alert logs land there), so tsx's
 * loader is named by its absolute URL. CI=true is set on purpose: Ink draws nothing until exit when it
 * believes it runs in CI, and NetGuard's dashboard must draw anyway (it clears those variables), so
 * every tmux test checks that too. The exit status is printed afterwards, and the pane stays to show it.
 */
export function netguardCommand(args: string[], cwd: string, netns?: string): string {
  const loader = pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
  const argv = netguardArgv(args, netns).map((a) => (a === 'tsx' ? loader : a));
  return `cd ${quote(cwd)} && env CI=true CONTINUOUS_INTEGRATION=true ${argv.map(quote).join(' ')}; echo "NETGUARD-EXIT=$?"; sleep 600`;
}

export interface TmuxSession {
  readonly name: string;
  screen(): Promise<string>;
  /** Sends keys as tmux send-keys names them ("p", "q", "Down", "Space"). */
  keys(...keys: string[]): Promise<void>;
  /** Polls the screen until `pred` holds; throws with the last screen on timeout. */
  until(pred: (screen: string) => boolean, what: string, ms?: number): Promise<string>;
  /** The pid of the command the pane's shell started (NetGuard, or `ip netns exec` in front of it). */
  childPid(): Promise<number>;
  kill(): Promise<void>;
}

/** Starts `command` in a detached tmux session of its own server (socket), columns x rows big. */
export async function startTmux(tag: string, command: string, columns = 120, rows = 40): Promise<TmuxSession> {
  const socket = `netguard-${tag}-${process.pid}`;
  const name = `ng${tag}`;
  const tmux = (...a: string[]): Promise<{ stdout: string }> => run('tmux', ['-L', socket, ...a], { timeout: 10_000 });
  await tmux('new-session', '-d', '-x', String(columns), '-y', String(rows), '-s', name, command);
  const screen = async (): Promise<string> => (await tmux('capture-pane', '-p', '-t', name)).stdout;
  return {
    name,
    screen,
    keys: async (...keys: string[]) => {
      for (const k of keys) {
        await tmux('send-keys', '-t', name, k);
        await new Promise((r) => setTimeout(r, 150));
      }
    },
    until: async (pred, what, ms = 60_000) => {
      const end = Date.now() + ms;
      let last = '';
      for (;;) {
        try {
          last = await screen();
        } catch (e) {
          throw new Error(`tmux session ended while waiting for ${what}: ${(e as Error).message}`);
        }
        if (pred(last)) return last;
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}; screen:\n${last}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    childPid: async () => {
      const pane = Number((await tmux('list-panes', '-t', name, '-F', '#{pane_pid}')).stdout.trim());
      const { stdout } = await run('ps', ['-o', 'pid=', '--ppid', String(pane)]);
      const pid = Number(stdout.trim().split('\n')[0]);
      if (!pid) throw new Error(`no child of pane process ${pane}`);
      return pid;
    },
    // Killing our own server ends the session and the NetGuard it started, and nothing else.
    kill: async () => {
      const sock = await tmux('display-message', '-p', '#{socket_path}').then((r) => r.stdout.trim(), () => '');
      await tmux('kill-server').catch(() => undefined);
      // kill-server leaves the socket file behind.
      if (sock) rmSync(sock, { force: true });
    },
  };
}

/**
 * For the test file (or describe block) that calls it: startTmux, with every session it started killed
 * after each test, also when one fails, so that no NetGuard or tmux server outlives its test. Killing a
 * session the test already killed does nothing.
 */
export function tmuxTests(): typeof startTmux {
  const started: TmuxSession[] = [];
  afterEach(async () => {
    for (const s of started.splice(0)) await s.kill();
  });
  return async (...args) => {
    const s = await startTmux(...args);
    started.push(s);
    return s;
  };
}

/** The number after "Packets " in the statistics panel, or -1. */
export function packetsShown(screen: string): number {
  const m = /Packets ([\d,]+)/.exec(screen);
  return m ? Number(m[1].replace(/,/g, '')) : -1;
}
