// Feeds every new alert (also those storm control folds) to the reputation score (an AlertSink): the alert's source gains points, and a
// promotion comes back as a MALICIOUS_IP detection through `raise`. Time is the alert's own last_seen.
import type { Alert, AlertSink, Detection } from '../alert/types.js';
import type { Raise } from '../detect/types.js';
import type { IpReputation } from './reputation.js';

export function createReputationSink(rep: IpReputation, raise: Raise): AlertSink {
  return {
    name: 'reputation',
    onAlert(a: Alert): void {
      const now = Date.parse(a.last_seen || a.timestamp);
      const d = rep.onAlert(a, Number.isFinite(now) ? now : 0);
      if (d) raise(d);
    },
    // Storm control folded this alert: its source scores as if it had been raised.
    onFolded(d: Detection): void {
      const p = rep.onAlert(d, d.ts);
      if (p) raise(p);
    },
  };
}
