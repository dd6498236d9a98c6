// IP reputation for a run: the store (lists, scores, state file), its detector, and the menu's rows.
import { ReputationStore, createReputationDetector, type IpReputation, type ListName } from '../reputation/index.js';
import { parseIp, formatIp } from '../decode/index.js';
import type { Settings, WriteFailures } from '../config/index.js';
import type { Detector, Raise } from '../detect/types.js';
import type { ReputationRow } from './menu/index.js';

export interface ReputationRuntime {
  rep: IpReputation;
  detector(raise: Raise): Detector;
  row(ip: string): ReputationRow;
  suspicious(): ReputationRow[];
  malicious(): ReputationRow[];
  addToBlacklist(ip: string): Promise<string>;
  addToWhitelist(ip: string): Promise<string>;
  addMalicious(ip: string): Promise<string>;
  /** Takes an address or CIDR block off one of the three lists (file and memory). */
  removeFromList(list: ListName, entry: string): Promise<string>;
  /** Alert counts per source, for the rows (set by the run once the funnel exists). */
  alertsBySource: () => Record<string, number>;
  /** Packet time of this run's first and latest alert naming the address, or null (set by the menu). */
  alertTimes: (ip: string) => { first: number; last: number } | null;
  save(): Promise<void>;
}

export function openReputation(settings: Settings, warnings: string[], failures?: WriteFailures): ReputationRuntime {
  const store = new ReputationStore(settings.ip_reputation, failures);
  warnings.push(...store.warnings.splice(0));
  store.start();
  const threshold = settings.ip_reputation.score_threshold;
  const rt: ReputationRuntime = {
    rep: store.rep,
    detector: (raise) => createReputationDetector(store.rep, raise),
    row(ip: string): ReputationRow {
      const parsed = parseIp(ip);
      const norm = parsed === null ? ip : formatIp(parsed);
      const st = store.rep.status(norm);
      // First and last seen: the saved state's alert times, widened by this run's alerts naming the address.
      const run = rt.alertTimes(st.ip);
      const first = [st.firstSeen, run?.first].filter((x): x is number => typeof x === 'number');
      const last = [st.lastSeen, run?.last].filter((x): x is number => typeof x === 'number');
      return {
        ip: st.ip,
        status: st.status,
        score: Math.round(st.score * 10) / 10,
        threshold,
        reasons: st.reasons,
        alerts: rt.alertsBySource()[st.ip] ?? 0,
        firstSeen: first.length ? Math.min(...first) : null,
        lastSeen: last.length ? Math.max(...last) : null,
      };
    },
    suspicious: () => store.rep.suspicious().map((s) => rt.row(s.ip)),
    malicious: () => store.rep.malicious().map((s) => rt.row(s.ip)),
    addToBlacklist: async (ip) => result(store.add('blacklist', ip, 'added from the NetGuard menu')),
    addToWhitelist: async (ip) => result(store.add('whitelist', ip, 'added from the NetGuard menu')),
    addMalicious: async (ip) => result(store.add('malicious', ip, 'known malicious, added from the NetGuard menu')),
    removeFromList: async (list, entry) => result(store.remove(list, entry)),
    alertsBySource: () => ({}),
    alertTimes: () => null,
    save: () => store.stop(),
  };
  return rt;
}

function result(r: { ok: boolean; message: string }): string {
  if (!r.ok) throw new Error(r.message);
  return r.message;
}
