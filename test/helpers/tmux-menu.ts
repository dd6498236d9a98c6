// Drives NetGuard's CLI menu in a real terminal: tmux runs the command, keys go in with send-keys, the screen is read with capture-pane.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';

export const MENU = 'Choice [1-24]:';

/** Quotes one argument for the shell tmux starts the command with. */
export const sh = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

export class TmuxMenu {
  private readonly socket: string;

  constructor(
    name: string,
    private readonly session = 'menu',
  ) {
    this.socket = `netguard-${name}-${process.pid}`;
  }

  tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  /**
   * Starts `argv` in a `cols` x `rows` terminal in `cwd`; the shell prints the exit status after it
   * ("netguard exit status: N") since tmux does not always reap a dead pane's process.
   */
  start(argv: string[], cwd: string, cols = 160, rows = 50): void {
    try {
      execFileSync('tmux', ['-V']);
    } catch {
      throw new Error('tmux is not installed: apt-get install -y tmux');
    }
    const conf = path.join(cwd, 'tmux.conf');
    writeFileSync(conf, 'set -g history-limit 50000\nset -g remain-on-exit on\nset -g status off\n');
    const cmd = ['env', '-u', 'NO_COLOR', 'TZ=UTC', ...argv].map(sh).join(' ') + '; echo "netguard exit status: $?"';
    execFileSync('tmux', ['-L', this.socket, '-f', conf, 'new-session', '-d', '-s', this.session, '-x', String(cols), '-y', String(rows), '-c', cwd, cmd]);
  }

  /** Everything the pane shows, scrollback included; `joined` joins wrapped lines. */
  screen(escapes = false, joined = true): string {
    return this.tmux('capture-pane', '-p', ...(joined ? ['-J'] : []), ...(escapes ? ['-e'] : []), '-t', this.session, '-S', '-', '-E', '-');
  }

  async waitFor(pred: (s: string) => boolean, what: string, timeoutMs = 15_000): Promise<string> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const s = this.screen();
      if (pred(s)) return s;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; screen:\n${s.split('\n').slice(-60).join('\n')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Types text then Enter. */
  type(text: string): void {
    if (text) this.tmux('send-keys', '-t', this.session, '-l', '--', text);
    this.tmux('send-keys', '-t', this.session, 'Enter');
  }

  /** Presses keys without Enter ("q", "Space", "C-c"). */
  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', this.session, ...keys);
  }

  /**
   * Picks a menu option, answers its prompts in turn (each once its prompt shows), and returns what the
   * option printed: from its title line to the next menu prompt.
   */
  async choose(n: number, label: string, answers: { prompt: string; text: string }[] = []): Promise<string> {
    const before = this.screen();
    const menus = count(before, MENU);
    const base = new Map(answers.map((a) => [a.prompt, count(before, a.prompt)]));
    const used = new Map<string, number>();
    this.type(String(n));
    for (const a of answers) {
      const want = (base.get(a.prompt) ?? 0) + (used.get(a.prompt) ?? 0) + 1;
      used.set(a.prompt, (used.get(a.prompt) ?? 0) + 1);
      const s = await this.waitFor((x) => count(x, a.prompt) >= want || count(x, MENU) > menus, `prompt ${a.prompt} #${want}`);
      if (count(s, MENU) > menus) break;
      this.type(a.text);
    }
    const s = await this.waitFor((x) => count(x, MENU) > menus, `the menu after option ${n}`, 60_000);
    const lines = s.split('\n');
    const start = lines.lastIndexOf(`${n}. ${label}`);
    expect(start, `title of option ${n} on screen`).toBeGreaterThanOrEqual(0);
    const end = lines.findIndex((l, i) => i > start && l.startsWith(MENU));
    return lines.slice(start, end).join('\n');
  }

  close(): void {
    try {
      execFileSync('tmux', ['-L', this.socket, 'kill-server'], { stdio: 'ignore' });
    } catch {
      // The server is gone already.
    }
    // kill-server leaves the socket file behind.
    rmSync(path.join(os.tmpdir(), `tmux-${process.getuid?.() ?? 0}`, this.socket), { force: true });
  }
}
