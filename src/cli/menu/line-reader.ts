// Reads the menu's input one line at a time over node:readline, from a terminal or a pipe, with Ctrl-C and end of input as events.
//
// Why a queue instead of rl.question(): with piped input readline emits every line as soon as it is
// read, also while the menu is still printing; lines that arrive with nobody asking would be lost.
// Every line, Ctrl-C and the end of input are queued here and handed out in order.
import { createInterface, type Interface } from 'node:readline';
import { safe } from './format.js';

export type Input = { kind: 'line'; text: string } | { kind: 'interrupt' } | { kind: 'eof' };

/** One key pressed at a pager prompt: Enter, space, another printable key (lower case), Ctrl-C or the end of input. */
export type Key = { kind: 'key'; name: string } | { kind: 'interrupt' } | { kind: 'eof' };

export class LineReader {
  private readonly rl: Interface;
  private readonly queue: Input[] = [];
  private waiter: ((i: Input) => void) | null = null;
  /** Set while key() waits: the next key answers it instead of going into the line being edited. */
  private keyWaiter: ((k: Key) => void) | null = null;
  private ended = false;

  constructor(
    input: NodeJS.ReadableStream,
    private readonly output: NodeJS.WritableStream,
    private readonly terminal: boolean,
  ) {
    // In a terminal readline edits the line and echoes it; from a pipe it only splits lines and must
    // not write anything itself.
    this.rl = createInterface({
      input,
      output: terminal ? output : undefined,
      terminal,
      historySize: terminal ? 100 : 0,
      prompt: '',
    });
    this.rl.on('line', (text: string) => {
      if (this.answerKey({ kind: 'key', name: 'return' })) return;
      this.push({ kind: 'line', text });
    });
    // With a SIGINT listener readline reports Ctrl-C instead of closing itself.
    this.rl.on('SIGINT', () => {
      // Drop whatever was typed so far: the next prompt starts empty.
      this.rl.write(null, { ctrl: true, name: 'u' });
      if (this.answerKey({ kind: 'interrupt' })) return;
      this.output.write('^C\n');
      this.push({ kind: 'interrupt' });
    });
    this.rl.on('close', () => {
      if (this.ended) return;
      this.ended = true;
      if (this.answerKey({ kind: 'eof' })) return;
      this.push({ kind: 'eof' });
    });
    // readline turns terminal input into 'keypress' events and handles each before this listener sees
    // it (Enter, Ctrl-C and Ctrl-D arrive above as a line, SIGINT and close); a printable key answers
    // a waiting key() and is taken out of the line readline was editing.
    if (terminal) {
      input.on('keypress', (str: string | undefined, key: { name?: string; ctrl?: boolean; meta?: boolean } | undefined) => {
        if (this.keyWaiter === null || key?.ctrl || key?.meta) return;
        const name = key?.name === 'space' || str === ' ' ? 'space' : (str ?? key?.name ?? '').toLowerCase();
        if (name === '' || name === 'return' || name === 'enter') return;
        this.rl.write(null, { ctrl: true, name: 'u' });
        this.answerKey({ kind: 'key', name });
      });
    }
  }

  private answerKey(k: Key): boolean {
    const w = this.keyWaiter;
    if (w === null) return false;
    this.keyWaiter = null;
    w(k);
    return true;
  }

  /**
   * At a terminal: shows `prompt` and resolves with the next key, without waiting for Enter (a pager's
   * space and q). Elsewhere it reads a line, as ask() does, and names it by its first character.
   */
  async key(prompt: string): Promise<Key> {
    if (!this.terminal || this.ended) {
      const i = await this.ask(prompt);
      if (i.kind !== 'line') return i;
      const t = i.text.trim().toLowerCase();
      return { kind: 'key', name: t === '' ? 'return' : t[0] === ' ' ? 'space' : t[0] };
    }
    // Lines typed ahead of the prompt answer it first.
    const early = this.queue.shift();
    if (early) return early.kind === 'line' ? { kind: 'key', name: early.text.trim() === '' ? 'return' : early.text.trim()[0].toLowerCase() } : early;
    this.rl.setPrompt(prompt);
    this.rl.prompt();
    return new Promise<Key>((resolve) => (this.keyWaiter = resolve));
  }

  private push(i: Input): void {
    const w = this.waiter;
    if (w) {
      this.waiter = null;
      w(i);
    } else {
      this.queue.push(i);
    }
  }

  /**
   * Shows `prompt` and waits for the next input. From a pipe the line read is echoed after the
   * prompt, so that a scripted run's output reads like a session.
   */
  async ask(prompt: string): Promise<Input> {
    if (this.terminal && !this.ended) {
      this.rl.setPrompt(prompt);
      this.rl.prompt();
    } else {
      this.output.write(prompt);
    }
    const next = this.queue.shift() ?? (this.ended ? ({ kind: 'eof' } as const) : await new Promise<Input>((resolve) => (this.waiter = resolve)));
    if (!this.terminal) this.output.write(next.kind === 'line' ? `${safe(next.text)}\n` : '\n');
    else if (next.kind === 'eof') this.output.write('\n');
    return next;
  }

  close(): void {
    this.ended = true;
    this.rl.close();
  }
}
