// JSONL alert log (alerts.log_file): one alert per line, the newest alerts.max_log_entries kept; each
// alert's final record (same id, "final": true, written when its episode closes) is a line too. New
// alerts are appended in batches; when the file would pass the limit it is rewritten with the newest
// lines atomically (temporary file + rename), so a crash leaves the old or the new file, not a mix. The
// file is read once, at the first rewrite; after that the newest lines are kept in memory (an alert
// storm rewrites from there instead of reading and parsing the file for every batch). Alerts are queued as
// the objects the funnel hands out (each emit is a copy of its own, never changed afterwards) and turned
// into JSON when their batch is written, and then only those the file keeps: past the limit, a batch
// longer than max_log_entries would otherwise serialise lines only to drop them.
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { writeFileAtomicAsync } from '../../config/atomic-file.js';
import { WriteFailures } from '../../config/write-failures.js';
import type { Alert, AlertSink } from '../types.js';
import { BatchWriter, LineFile } from './batch-writer.js';

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

/**
 * The JSON lines of chunk[from..]. An alert that cannot be serialised (a detail JSON has no form for) is
 * left out, as it was when a sink hook threw: the other lines are still written.
 */
function jsonLines(chunk: readonly Alert[], from: number): string[] {
  const out: string[] = [];
  for (let i = from; i < chunk.length; i++) {
    try {
      out.push(JSON.stringify(chunk[i]) + '\n');
    } catch {
      // left out, as above
    }
  }
  return out;
}

export class JsonlSink implements AlertSink {
  readonly name = 'jsonl';
  private lines: number;
  private writer: BatchWriter<Alert>;
  /** The newest lines (at least the file's, at most twice maxEntries), once the file has reached its limit. */
  private tail: string[] | null = null;
  private readonly out: LineFile;

  constructor(
    readonly file: string,
    readonly maxEntries = 1000,
    delayMs = 200,
    failures: WriteFailures = new WriteFailures(),
  ) {
    this.lines = countLines(file);
    this.out = new LineFile(file);
    // Batches of up to ten times the kept lines: past the limit every batch rewrites the file, so in an
    // alert storm fewer, larger batches mean fewer rewrites (at most one per delayMs, or per 10x the limit).
    this.writer = new BatchWriter<Alert>((chunk) => this.write(chunk), delayMs, Math.max(1000, 10 * maxEntries));
    this.writer.onLost = (e, n) => failures.fail(file, e, { after: 'alerts from now on are not saved there', lost: n, unit: 'alert record' });
  }

  onAlert(alert: Alert): void {
    this.writer.push(alert);
  }

  onFinal(alert: Alert): void {
    this.writer.push(alert);
  }

  private async write(chunk: Alert[]): Promise<void> {
    if (this.tail === null && this.lines + chunk.length <= this.maxEntries) {
      const lines = jsonLines(chunk, 0);
      await this.out.append(lines.length, (i) => lines[i], false);
      this.lines += lines.length;
      return;
    }
    if (this.tail === null) {
      // Past the limit for the first time: read the file once. A line cut by a crash (no newline, or
      // not JSON) is dropped here rather than kept forever. From now on the newest lines are kept here.
      let old: string[] = [];
      try {
        old = (await readFile(this.file, 'utf8')).split('\n').filter((l) => l !== '');
      } catch {
        /* no file yet */
      }
      this.tail = old.filter((l) => {
        try {
          JSON.parse(l);
          return true;
        } catch {
          return false;
        }
      }).map((l) => l + '\n');
    }
    const tail = this.tail;
    // Of a batch longer than the limit, only its newest lines can be kept (and only they are serialised).
    const lines = jsonLines(chunk, Math.max(0, chunk.length - this.maxEntries));
    for (let i = 0; i < lines.length; i++) tail.push(lines[i]);
    // Trimmed in steps, so an alert storm does not shift the array for every batch.
    if (tail.length > 2 * this.maxEntries) tail.splice(0, tail.length - this.maxEntries);
    if (this.lines + lines.length <= this.maxEntries) {
      await this.out.append(lines.length, (i) => lines[i], false);
      this.lines += lines.length;
      return;
    }
    // Past the limit: rewrite with the newest maxEntries lines, atomically.
    const keep = tail.length > this.maxEntries ? tail.slice(tail.length - this.maxEntries) : tail;
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
