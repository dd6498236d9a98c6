// The JSON text of alert details for the history's rows (JSON.stringify's), reused while an alert type's
// details repeat: in an alert storm every source's alert carries the same details (the same request, the
// same pattern), and serialising them was about a tenth of the instructions of storing an alert.
//
// Per alert type the last text is kept with a copy of what it says (JSON.parse of it, made only once two
// rows of the type have had the same text); details equal to that copy, as JSON sees them, get the text
// again. The copy is the history's own, so a details object changed after its row was written cannot make
// a later row take a text that no longer matches it. What JSON.stringify treats specially (toJSON, objects
// that are not plain, values nested deeper than MAX_DEPTH) is never taken as equal: those details are
// serialised each time, as before.
import type { Details } from '../alert/types.js';

/** Nesting beyond which details are serialised rather than compared (also what stops a cycle). */
const MAX_DEPTH = 8;

/** One type's last text and, once it has repeated, the value it says. */
interface Entry {
  json: string;
  /** JSON.parse(json), or undefined until a second row of the type had the same text. */
  value: unknown;
}

/** Whether JSON.stringify leaves a property with this value out of an object (and writes null in an array). */
function omitted(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

/**
 * Whether JSON.stringify gives `v` the text that `parsed` (a value JSON.parse made) was parsed from: the same
 * keys in the same order with the same values, for plain objects, arrays, strings, finite numbers, booleans
 * and null. Anything else (a toJSON, a Date, a Map, a bigint) answers false.
 */
function sameAsParsed(v: unknown, parsed: unknown, depth: number): boolean {
  if (typeof v === 'string' || typeof v === 'boolean') return v === parsed;
  if (typeof v === 'number') return Number.isFinite(v) ? v === parsed : parsed === null;
  if (v === null) return parsed === null;
  if (typeof v !== 'object' || parsed === null || typeof parsed !== 'object' || depth > MAX_DEPTH) return false;
  if (Array.isArray(v)) {
    if (!Array.isArray(parsed) || v.length !== parsed.length) return false;
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (omitted(x) ? parsed[i] !== null : !sameAsParsed(x, parsed[i], depth + 1)) return false;
    }
    return true;
  }
  if (Array.isArray(parsed) || Object.getPrototypeOf(v) !== Object.prototype || 'toJSON' in v) return false;
  const o = v as Record<string, unknown>;
  const p = parsed as Record<string, unknown>;
  const keys = Object.keys(o);
  const pkeys = Object.keys(p);
  let j = 0;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const x = o[k];
    if (omitted(x)) continue;
    if (j >= pkeys.length || pkeys[j] !== k || !sameAsParsed(x, p[k], depth + 1)) return false;
    j++;
  }
  return j === pkeys.length;
}

/** JSON.stringify(details) for history rows, with each type's last text reused while its details repeat. */
export class DetailsJson {
  private readonly byType = new Map<string, Entry>();

  /** JSON.stringify(details ?? {}), the same text. */
  text(type: string, details: Details | undefined): string {
    const d = details ?? {};
    const e = this.byType.get(type);
    if (e !== undefined && e.value !== undefined && sameAsParsed(d, e.value, 0)) return e.json;
    const json = JSON.stringify(d);
    if (e === undefined) this.byType.set(type, { json, value: undefined });
    else if (json === e.json) {
      // The same text twice in a row: worth a copy to compare the next ones with (kept while it repeats).
      if (e.value === undefined) e.value = JSON.parse(json) as unknown;
    } else {
      e.json = json;
      e.value = undefined;
    }
    return json;
  }
}
