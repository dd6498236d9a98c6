// Console output of alerts, colour-coded by severity with chalk: LOW cyan, WARNING yellow, HIGH red,
// CRITICAL white on red. No colour when NO_COLOR is set (no-color.org) or the stream is not a terminal.
import { Chalk, type ChalkInstance } from 'chalk';
import type { Alert, AlertSink, Severity } from '../types.js';
import { alertLine } from './format.js';

type Level = 0 | 1 | 2 | 3;

/** Colour level for a stream: 0 unless it is a terminal; NO_COLOR wins over everything, FORCE_COLOR over the TTY test. */
export function colorLevel(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv = process.env): Level {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') {
    if (force === 'false' || force === '0') return 0;
    const n = Number(force);
    return (Number.isInteger(n) && n >= 1 && n <= 3 ? n : 1) as Level;
  }
  const tty = stream as NodeJS.WritableStream & { isTTY?: boolean; getColorDepth?: () => number };
  if (!tty.isTTY) return 0;
  const depth = tty.getColorDepth?.() ?? 4;
  return depth >= 24 ? 3 : depth >= 8 ? 2 : depth >= 4 ? 1 : 0;
}

export class ConsoleSink implements AlertSink {
  readonly name = 'console';
  private chalk: ChalkInstance;
  private paint: Record<Severity, (s: string) => string>;

  constructor(
    private readonly stream: NodeJS.WritableStream,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.chalk = new Chalk({ level: colorLevel(stream, env) });
    const c = this.chalk;
    this.paint = { LOW: c.cyan, WARNING: c.yellow, HIGH: c.red, CRITICAL: c.bold.white.bgRed };
  }

  format(alert: Alert): string {
    const line = alertLine(alert);
    const tag = `[${alert.severity}]`;
    const i = line.indexOf(tag);
    if (i < 0) return line;
    return line.slice(0, i) + this.paint[alert.severity](tag) + this.paint[alert.severity === 'CRITICAL' ? 'HIGH' : alert.severity](line.slice(i + tag.length));
  }

  onAlert(alert: Alert): void {
    this.stream.write(this.format(alert) + '\n');
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }
}
