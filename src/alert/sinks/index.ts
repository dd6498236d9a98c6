// The alert sinks registry: builds the enabled sinks from settings (one file per sink), and flushes
// them all on exit (SIGINT/SIGTERM) so no queued alert is lost.
import type { Settings } from '../../config/schema.js';
import type { WriteFailures } from '../../config/write-failures.js';
import type { AlertSink } from '../types.js';
import { JsonlSink } from './jsonl.js';
import type { Notifier } from './notify.js';
import { TextLogSink } from './text-log.js';

// The console and notification sinks are not re-exported here (import them from ./console.js and
// ./notify.js): createSinks loads them only for the modes that use them, so a batch run does not load
// chalk and node-notifier's wrapper.
export { JsonlSink } from './jsonl.js';
export { TextLogSink } from './text-log.js';
export type { Notifier, NotifyMessage, NotifyOptions } from './notify.js';
export { alertLine, safeLine } from './format.js';

export interface SinkOptions {
  /** Print alerts to `stream` (the caller decides from mode and alerts.console). Never in tui mode. */
  console: boolean;
  /** Console stream; default stderr in batch mode (stdout carries the JSON lines), else stdout. */
  stream?: NodeJS.WritableStream;
  mode: 'cli' | 'batch' | 'tui';
  /** Diagnostics such as "no desktop session" (shown with --debug). */
  debug?: (msg: string) => void;
  /** Test hooks for the notifier. */
  notifier?: Notifier;
  now?: () => number;
  env?: NodeJS.ProcessEnv;
  /** Milliseconds between batched file writes (default 200). */
  flushMs?: number;
  /** Where files that cannot be written are named and their losses counted (default: each sink says so on stderr). */
  failures?: WriteFailures;
}

/**
 * The sinks settings enable: JSONL log (alerts.log_file), text log (alerts.text_log), console, and desktop
 * notifications (alerts.enable_notifications; not in batch mode, which is for scripts).
 */
export async function createSinks(settings: Settings, opts: SinkOptions): Promise<AlertSink[]> {
  const a = settings.alerts;
  const sinks: AlertSink[] = [];
  if (a.log_file) sinks.push(new JsonlSink(a.log_file, a.max_log_entries, opts.flushMs, opts.failures));
  if (a.text_log) sinks.push(new TextLogSink(a.text_log, opts.flushMs, opts.failures));
  if (opts.console && opts.mode !== 'tui') {
    const { ConsoleSink } = await import('./console.js');
    sinks.push(new ConsoleSink(opts.stream ?? (opts.mode === 'batch' ? process.stderr : process.stdout), opts.env));
  }
  if (a.enable_notifications && opts.mode !== 'batch') {
    const { NotifySink } = await import('./notify.js');
    sinks.push(
      new NotifySink({
        cooldownSec: a.notification_cooldown,
        minSeverity: a.notification_min_severity,
        env: opts.env,
        notifier: opts.notifier,
        now: opts.now,
        debug: opts.debug,
      }),
    );
  }
  return sinks;
}

/** Writes out everything every sink has queued (call before exit). Never rejects. */
export async function flushAll(sinks: readonly AlertSink[]): Promise<void> {
  await Promise.allSettled(sinks.map((s) => s.flush?.()));
}

/** Flushes and closes every sink. Never rejects. */
export async function closeAll(sinks: readonly AlertSink[]): Promise<void> {
  await flushAll(sinks);
  await Promise.allSettled(sinks.map((s) => s.close?.()));
}
