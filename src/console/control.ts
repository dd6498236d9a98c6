// What the web page sees of a console: no packets of its own, the alerts arriving from every sensor (newest
// first) and counts of the records stored, behind the same EngineControl surface a sensor's engine offers.
import type { Alert, Severity } from '../alert/types.js';
import { EMPTY_STATS, type EngineControl, type Snapshot } from '../engine/types.js';

/** Recent alerts kept for the page's live list (the history holds them all). */
const MAX_RECENT = 200;

export class ConsoleControl implements EngineControl {
  private recent: Alert[] = [];
  private readonly counts: Record<Severity, number> = { LOW: 0, WARNING: 0, HIGH: 0, CRITICAL: 0 };
  private readonly listeners = new Set<(a: Alert) => void>();
  private readonly started = Date.now();
  /** Records stored so far (shown as the page's packet counter: the console's unit of work). */
  records = 0;

  constructor(private readonly sourceName: string) {}

  /** Alerts just stored: to the live list and every subscriber. */
  addAlerts(alerts: Alert[]): void {
    for (const a of alerts) {
      this.counts[a.severity]++;
      this.recent.unshift(a);
      for (const l of this.listeners) l(a);
    }
    if (this.recent.length > MAX_RECENT) this.recent.length = MAX_RECENT;
  }

  snapshot(): Snapshot {
    const now = Date.now();
    return {
      ts: now,
      stats: { ...EMPTY_STATS, packets: this.records, startedAt: this.started, now, source: this.sourceName, live: true },
      alerts: this.recent.slice(),
      alertCounts: { ...this.counts },
      connections: [],
      topByBytes: [],
      topByPackets: [],
      packets: [],
      rules: [],
    };
  }

  async exportPcap(): Promise<{ count: number; path: string }> {
    throw new Error('a console holds no packets: export them on the sensor');
  }

  toggleRule(): boolean | null {
    return null;
  }

  reloadRules(): { ok: boolean; message: string } {
    return { ok: false, message: 'a console has no rules: rules run on the sensors' };
  }

  clearAlerts(): void {
    this.recent = [];
  }

  onAlert(cb: (a: Alert) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }
}
