// Human-readable alert log (alerts.text_log, PyNetGuard's alerts.log): one line per alert, appended in
// batches: "2026-11-20T12:00:00.000Z [HIGH] SYN_SCAN 10.0.0.1 -> 10.0.0.2: message", and once more
// when its episode closes, with the final message and "(final: N detections until LAST_SEEN)".
import { WriteFailures } from '../../config/write-failures.js';
import type { Alert, AlertSink } from '../types.js';
import { appender, BatchWriter } from './batch-writer.js';
import { alertLine } from './format.js';

export class TextLogSink implements AlertSink {
  readonly name = 'text-log';
  private writer: BatchWriter;

  constructor(
    readonly file: string,
    delayMs = 200,
    failures: WriteFailures = new WriteFailures(),
  ) {
    this.writer = new BatchWriter(appender(file), delayMs);
    this.writer.onLost = (e, n) => failures.fail(file, e, { after: 'alerts from now on are not saved there', lost: n, unit: 'alert' });
  }

  onAlert(alert: Alert): void {
    this.writer.push(alertLine(alert) + '\n');
  }

  onFinal(alert: Alert): void {
    this.writer.push(alertLine(alert) + '\n');
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
