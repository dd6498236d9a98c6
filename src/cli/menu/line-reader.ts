// Reads the menu's input one line at a time over node:readline, from a terminal or a pipe, with Ctrl-C and end of input as events.
//
// Why a queue instead of rl.question(): with piped input readline emits every line as soon as it is
// read, also while the menu is still printing; lines that arrive with nobody asking would be lost.
// Every line, Ctrl-C and the end of input are queued here and handed out in order.
import { createInterface, type Interface } from 'node:readline';
import { safe } from './format.js';

export type Input = { kind: 'line'; text: string } | { kind: 'interrupt' } | { kind: 'eof' };

export class LineReader {
  private readonly rl: Interface;
  private readonly queue: Input[] = [];
  private waiter: ((i: Input) => void) | null = null;
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
    this.rl.on('line', (text: string) => this.push({ kind: 'line', text }));
    // With a SIGINT listener readline reports Ctrl-C instead of closing itself.
    this.rl.on('SIGINT', () => {
      // Drop whatever was typed so far: the next prompt starts empty.
      this.rl.write(null, { ctrl: true, name: 'u' });
      this.output.write('^C\n');
      this.push({ kind: 'interrupt' });
    });
    this.rl.on('close', () => {
      if (this.ended) return;
      this.ended = true;
      this.push({ kind: 'eof' });
    });
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
