// Human-readable alert log (alerts.text_log, PyNetGuard's alerts.log): one line per alert, appended in
// batches: "2026-11-20T12:00:00.000Z [HIGH] SYN_SCAN 10.0.0.1 -> 10.0.0.2: message", and once more
// when its episode closes, with the final message and "(final: N detections until LAST_SEEN)". Alerts
// are queued as the funnel's copies (never changed afterwards) and formatted when their batch is written,
// into a buffer kept from batch to batch (printable ASCII lines encoded into it directly, see writeAlertLine).
import { WriteFailures } from '../../config/write-failures.js';
import type { Alert, AlertSink } from '../types.js';
import { BatchWriter, LineFile } from './batch-writer.js';
import { alertLine, writeAlertLine } from './format.js';

export class TextLogSink implements AlertSink {
  readonly name = 'text-log';
  private writer: BatchWriter<Alert>;

  constructor(
    readonly file: string,
    delayMs = 200,
    failures: WriteFailures = new WriteFailures(),
  ) {
    const out = new LineFile(file);
    // Lines of printable ASCII (nearly all) are encoded straight into the buffer; others are made as strings.
    this.writer = new BatchWriter<Alert>(
      (chunk) =>
        out.append(
          chunk.length,
          (i) => alertLine(chunk[i]),
          true,
          (i, buf, off) => writeAlertLine(chunk[i], buf, off),
        ),
      delayMs,
    );
    this.writer.onLost = (e, n) => failures.fail(file, e, { after: 'alerts from now on are not saved there', lost: n, unit: 'alert record' });
  }

  onAlert(alert: Alert): void {
    this.writer.push(alert);
  }

  onFinal(alert: Alert): void {
    this.writer.push(alert);
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
