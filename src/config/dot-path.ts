// Dot-notation access to nested settings ("thresholds.syn_flood"), the seed's config_manager get and set.

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads `a.b.c` from a nested object; undefined when any step is missing. */
export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const seg of path.split('.')) {
    if (!isRecord(cur) || !Object.prototype.hasOwnProperty.call(cur, seg)) return undefined;
    cur = cur[seg];
  }
  return cur;
}

/**
 * Writes `value` at `a.b.c`, creating intermediate objects. Refuses to walk through a non-object
 * (throws) rather than silently replacing a setting with a section.
 */
export function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const segs = path.split('.');
  if (segs.some((s) => s === '' || s === '__proto__' || s === 'constructor' || s === 'prototype')) {
    throw new Error(`invalid settings path '${path}'`);
  }
  let cur: Record<string, unknown> = obj;
  for (let i = 0; i < segs.length - 1; i++) {
    const seg = segs[i];
    const next = cur[seg];
    if (next === undefined) {
      const created: Record<string, unknown> = {};
      cur[seg] = created;
      cur = created;
    } else if (isRecord(next)) {
      cur = next;
    } else {
      throw new Error(`cannot set '${path}': '${segs.slice(0, i + 1).join('.')}' is not a section`);
    }
  }
  cur[segs[segs.length - 1]] = value;
}

/** Deep merge for settings: plain objects merge key by key, everything else (arrays included) replaces. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (isRecord(base) && isRecord(over)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) {
      if (k === '__proto__') continue;
      // A section written with all its keys commented out parses as null: keep the defaults.
      if (v === null && isRecord(base[k])) continue;
      out[k] = k in base ? deepMerge(base[k], v) : v;
    }
    return out;
  }
  return over === undefined ? base : over;
}
