// JSONL alert log (alerts.log_file): one alert per line, the newest alerts.max_log_entries kept; each
// alert's final record (same id, "final": true, written when its episode closes) is a line too. New
// alerts are appended in batches; when the file would pass the limit it is rewritten with the newest
// lines atomically (temporary file + rename), so a crash leaves the old or the new file, not a mix.
import { existsSync, readFileSync } from 'node:fs';
import { appendFile, readFile } from 'node:fs/promises';
import { writeFileAtomicAsync } from '../../config/atomic-file.js';
import { WriteFailures } from '../../config/write-failures.js';
import type { Alert, AlertSink } from '../types.js';
import { BatchWriter } from './batch-writer.js';

function countLines(file: string): number {
  if (!existsSync(file)) return 0;
  try {
    const t = readFileSync(file, 'utf8');
    let n = 0;
    for (let i = 0; i < t.length; i++) if (t.charCodeAt(i) === 10) n++;
    return n;
  } catch {
    return 0;
  }
}

export class JsonlSink implements AlertSink {
  readonly name = 'jsonl';
  private lines: number;
  private writer: BatchWriter;

  constructor(
    readonly file: string,
    readonly maxEntries = 1000,
    delayMs = 200,
    failures: WriteFailures = new WriteFailures(),
  ) {
    this.lines = countLines(file);
    this.writer = new BatchWriter((chunk) => this.write(chunk), delayMs);
    this.writer.onLost = (e, n) => failures.fail(file, e, { after: 'alerts from now on are not saved there', lost: n, unit: 'alert' });
  }

  onAlert(alert: Alert): void {
    this.writer.push(JSON.stringify(alert) + '\n');
  }

  onFinal(alert: Alert): void {
    this.writer.push(JSON.stringify(alert) + '\n');
  }

  private async write(chunk: string[]): Promise<void> {
    if (this.lines + chunk.length <= this.maxEntries) {
      await appendFile(this.file, chunk.join(''));
      this.lines += chunk.length;
      return;
    }
    // Past the limit: rewrite with the newest maxEntries complete lines. A line cut by a crash (no
    // newline, or not JSON) is dropped here rather than kept forever.
    let old: string[] = [];
    try {
      old = (await readFile(this.file, 'utf8')).split('\n').filter((l) => l !== '');
    } catch {
      /* no file yet */
    }
    const all = [...old.map((l) => l + '\n'), ...chunk].filter((l) => {
      try {
        JSON.parse(l);
        return true;
      } catch {
        return false;
      }
    });
    const keep = all.slice(Math.max(0, all.length - this.maxEntries));
    await writeFileAtomicAsync(this.file, keep.join(''));
    this.lines = keep.length;
  }

  get lastError(): Error | null {
    return this.writer.lastError;
  }

  flush(): Promise<void> {
    return this.writer.flush();
  }

  close(): Promise<void> {
    return this.flush();
  }
}
