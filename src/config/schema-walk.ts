// Reads a zod schema's structure (objects, records, leaves and their checks) to find known keys and to
// describe in words what a setting must be ("a positive integer", "one of LOW, WARNING, HIGH, CRITICAL").
import type { z } from 'zod';

type AnySchema = z.ZodType;

interface Def {
  type: string;
  innerType?: AnySchema;
  in?: AnySchema;
  shape?: Record<string, AnySchema>;
  valueType?: AnySchema;
  keyType?: AnySchema;
  element?: AnySchema;
  entries?: Record<string, string | number>;
  values?: unknown[];
  options?: AnySchema[];
  checks?: Array<{ _zod: { def: Record<string, unknown> } }>;
  format?: string;
}

function def(s: AnySchema): Def {
  return (s as unknown as { _zod: { def: Def } })._zod.def;
}

/** Strips default/prefault/optional/nullable/readonly/catch/pipe wrappers. */
export function unwrap(s: AnySchema): AnySchema {
  let cur = s;
  for (let i = 0; i < 20; i++) {
    const d = def(cur);
    if (d.innerType && ['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch', 'nonoptional'].includes(d.type)) cur = d.innerType;
    else if (d.type === 'pipe' && d.in) cur = d.in;
    else break;
  }
  return cur;
}

export type Shape = { kind: 'object'; keys: Record<string, AnySchema> } | { kind: 'record'; value: AnySchema } | { kind: 'array'; element: AnySchema } | { kind: 'leaf' };

export function shapeOf(s: AnySchema): Shape {
  const u = unwrap(s);
  const d = def(u);
  // A union of a mapping and plain values (alerts.rate_limit's {count, seconds} or false): the mapping's keys.
  if (d.type === 'union') {
    const mapping = (d.options ?? []).find((o) => shapeOf(o).kind !== 'leaf');
    return mapping ? shapeOf(mapping) : { kind: 'leaf' };
  }
  if (d.type === 'object' && d.shape) return { kind: 'object', keys: d.shape };
  if (d.type === 'record' && d.valueType) return { kind: 'record', value: d.valueType };
  if (d.type === 'array' && d.element) return { kind: 'array', element: d.element };
  return { kind: 'leaf' };
}

/** The schema at a path (object keys, record values, array elements), or null. */
export function schemaAt(root: AnySchema, path: ReadonlyArray<string | number>): AnySchema | null {
  let cur: AnySchema = root;
  for (const seg of path) {
    const sh = shapeOf(cur);
    if (sh.kind === 'object') {
      const next = sh.keys[String(seg)];
      if (!next) return null;
      cur = next;
    } else if (sh.kind === 'record') cur = sh.value;
    else if (sh.kind === 'array') cur = sh.element;
    else return null;
  }
  return cur;
}

/** The keys a record allows when they are a fixed set (an enum, as alerts.rate_limit's alert types), else []. */
export function recordKeys(s: AnySchema | null): string[] {
  if (!s) return [];
  const d = def(unwrap(s));
  if (d.type !== 'record' || !d.keyType) return [];
  const k = def(unwrap(d.keyType));
  return k.type === 'enum' ? Object.values(k.entries ?? {}).map(String) : [];
}

/** Every dotted key path the schema knows (objects only; record and array contents are free). */
export function allKeyPaths(root: AnySchema, prefix = ''): string[] {
  const sh = shapeOf(root);
  if (sh.kind !== 'object') return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(sh.keys)) {
    const p = prefix ? `${prefix}.${k}` : k;
    out.push(p, ...allKeyPaths(v, p));
  }
  return out;
}

function fmtNum(n: number): string {
  return Number.isFinite(n) ? String(n) : n > 0 ? 'infinity' : '-infinity';
}

/** Words for what a value must be. */
export function describe(s: AnySchema): string {
  const u = unwrap(s);
  const d = def(u);
  switch (d.type) {
    case 'number': {
      let integer = false;
      let min: { v: number; incl: boolean } | null = null;
      let max: { v: number; incl: boolean } | null = null;
      for (const c of d.checks ?? []) {
        const cd = c._zod.def;
        if (cd.check === 'number_format' && typeof cd.format === 'string' && /int/.test(cd.format)) integer = true;
        if (cd.check === 'greater_than') min = { v: Number(cd.value), incl: Boolean(cd.inclusive) };
        if (cd.check === 'less_than') max = { v: Number(cd.value), incl: Boolean(cd.inclusive) };
      }
      const noun = integer ? 'integer' : 'number';
      let adj = '';
      if (min && min.v === 0) adj = min.incl ? 'non-negative ' : 'positive ';
      let text = `a ${adj}${noun}`;
      if (adj === '' && min && max) text = `${integer ? 'an integer' : 'a number'} from ${fmtNum(min.v)} to ${fmtNum(max.v)}`;
      else if (adj === '' && min) text = `${integer ? 'an integer' : 'a number'} ${min.incl ? 'of at least' : 'above'} ${fmtNum(min.v)}`;
      else if (max && max.v < Number.MAX_SAFE_INTEGER) text += ` ${max.incl ? 'of at most' : 'below'} ${fmtNum(max.v)}`;
      if (text.startsWith('a integer')) text = 'an integer' + text.slice(9);
      return text;
    }
    case 'string':
      return 'a string';
    case 'boolean':
      return 'true or false';
    case 'enum':
      return `one of ${Object.values(d.entries ?? {}).join(', ')}`;
    case 'literal':
      return `${(d.values ?? []).map((v) => JSON.stringify(v)).join(' or ')}`;
    case 'object':
      return 'a mapping of settings';
    case 'record':
      return `a mapping whose values are each ${d.valueType ? describe(d.valueType) : 'valid'}`;
    case 'array':
      return 'a list';
    case 'union':
      return (d.options ?? []).map(describe).join(' or ');
    default:
      return 'valid';
  }
}

/** Levenshtein distance (small strings only). */
export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

/** The closest candidate within a typo's reach, or null. */
export function nearest(word: string, candidates: Iterable<string>): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  const w = word.toLowerCase();
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  const limit = Math.max(2, Math.floor(word.length / 3));
  return best !== null && bestD <= limit ? best : null;
}
