// Desktop notifications through node-notifier (notify-send on Linux): at most one per
// alerts.notification_cooldown seconds (the next one says how many alerts it stands for), only from
// alerts.notification_min_severity up, and quietly skipped when no desktop session is running.
import { createRequire } from 'node:module';
import type nodeNotifier from 'node-notifier';
import type { Alert, AlertSink, Severity } from '../types.js';
import { endpoints, safeLine } from './format.js';

const RANK: Record<Severity, number> = { LOW: 0, WARNING: 1, HIGH: 2, CRITICAL: 3 };

export interface NotifyMessage {
  title: string;
  message: string;
  urgency?: 'low' | 'normal' | 'critical';
  'app-name'?: string;
  /** Seconds the notification stays up. */
  timeout?: number;
}

/** What sends a notification (node-notifier's NotifySend, or a fake in tests). */
export interface Notifier {
  notify(msg: NotifyMessage, cb: (err: Error | null) => void): void;
}

export interface NotifyOptions {
  cooldownSec: number;
  minSeverity: Severity;
  env?: NodeJS.ProcessEnv;
  notifier?: Notifier;
  /** Wall clock, ms (injected in tests): the cooldown is about a person's attention, not packet time. */
  now?: () => number;
  /** One-line diagnostics (shown with --debug). */
  debug?: (msg: string) => void;
}

/** True when a notification daemon can be reached: a D-Bus session, or an X11/Wayland display. */
export function hasDesktop(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.DBUS_SESSION_BUS_ADDRESS || env.DISPLAY || env.WAYLAND_DISPLAY);
}

function defaultNotifier(): Notifier {
  // Loaded when the first notification is sent: most runs (batch, no desktop) never send one.
  const notifier = createRequire(import.meta.url)('node-notifier') as typeof nodeNotifier;
  const ns = new notifier.NotifySend({ withFallback: false });
  return {
    notify(msg, cb) {
      ns.notify(msg as unknown as nodeNotifier.Notification, (err) => cb(err ?? null));
    },
  };
}

export class NotifySink implements AlertSink {
  readonly name = 'notify';
  private last = -Infinity;
  private folded = 0;
  private pending = new Set<Promise<void>>();
  private notifier: Notifier | null = null;
  private skippedNoted = false;
  private errorNoted = false;
  /** Notifications handed to the notifier (for tests and status). */
  sent = 0;

  constructor(private readonly o: NotifyOptions) {}

  onAlert(alert: Alert): void {
    if (RANK[alert.severity] < RANK[this.o.minSeverity]) return;
    const env = this.o.env ?? process.env;
    if (!this.o.notifier && !hasDesktop(env)) {
      if (!this.skippedNoted) {
        this.skippedNoted = true;
        this.o.debug?.('notifications: no desktop session (DISPLAY, WAYLAND_DISPLAY and DBUS_SESSION_BUS_ADDRESS unset); skipping them');
      }
      return;
    }
    const now = (this.o.now ?? Date.now)();
    if (now - this.last < this.o.cooldownSec * 1000) {
      this.folded++;
      return;
    }
    this.last = now;
    const more = this.folded;
    this.folded = 0;
    this.notifier ??= this.o.notifier ?? defaultNotifier();
    const ep = endpoints(alert);
    const msg: NotifyMessage = {
      title: `NetGuard ${alert.severity}: ${alert.type}`,
      message: safeLine(`${ep ? ep + ': ' : ''}${alert.message}`).slice(0, 300) + (more ? ` (+${more} more alert${more === 1 ? '' : 's'})` : ''),
      urgency: alert.severity === 'CRITICAL' || alert.severity === 'HIGH' ? 'critical' : 'normal',
      'app-name': 'NetGuard',
      timeout: 10,
    };
    this.sent++;
    const p = new Promise<void>((resolve) => {
      this.notifier!.notify(msg, (err) => {
        if (err && !this.errorNoted) {
          this.errorNoted = true;
          this.o.debug?.(`notifications: ${err.message.split('\n')[0]}`);
        }
        resolve();
      });
    });
    this.pending.add(p);
    void p.then(() => this.pending.delete(p));
  }

  /** Waits for notifications being sent. */
  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}
