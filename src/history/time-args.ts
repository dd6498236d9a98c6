// Time arguments of `netguard alerts` and /api/alerts: durations back from now (30d, 12h, 15m, 45s, 2w)
// and ISO 8601 dates or times (2026-11-01, 2026-11-01T12:00:00Z); date-only values are UTC days.

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** "30d" -> ms, or null when it is not a duration. */
export function parseDuration(s: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([smhdw])$/i.exec(s.trim());
  if (!m) return null;
  return Number(m[1]) * UNIT_MS[m[2].toLowerCase()];
}

/**
 * A --since/--until value as ms since epoch: a duration means that long before `now`; an ISO date or
 * time is taken as written (no zone: UTC). With `endOfDay`, a date-only value means the end of that day
 * (so --until 2026-11-01 includes the 1st). Returns null when the value is neither.
 */
export function parseTimeArg(s: string, now: number, endOfDay = false): number | null {
  const v = s.trim();
  const d = parseDuration(v);
  if (d !== null) return now - d;
  const dateOnly = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (dateOnly) {
    const t = Date.UTC(Number(dateOnly[1]), Number(dateOnly[2]) - 1, Number(dateOnly[3]));
    const back = new Date(t);
    // Date.UTC rolls 2026-02-31 over to March; refuse instead.
    if (back.getUTCMonth() !== Number(dateOnly[2]) - 1 || back.getUTCDate() !== Number(dateOnly[3])) return null;
    return endOfDay ? t + UNIT_MS.d : t;
  }
  const iso = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(v);
  if (!iso) return null;
  const t = Date.parse(iso[7] ? v.replace(' ', 'T') : v.replace(' ', 'T') + 'Z');
  return Number.isNaN(t) ? null : t;
}
