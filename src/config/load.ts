// Loads settings.yaml: built-in defaults deep-merged with the file, checked against the zod schema,
// with every problem reported as file:line:col (YAML positions from the yaml package's LineCounter).
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { deepMerge } from './dot-path.js';
import { settingsSchema, defaultSettings, PARSE_ONCE, type Settings } from './schema.js';
import { allKeyPaths, describe, nearest, recordKeys, schemaAt, shapeOf } from './schema-walk.js';
import { locate, parseLocated, where, type Located } from './yaml-position.js';
import { readPlainYaml } from './plain-yaml.js';

export const DEFAULT_SETTINGS_PATH = './settings.yaml';

export interface LoadedSettings {
  settings: Settings;
  /** Unknown keys and the like, each "file:line:col: ..." (the caller prints them). */
  warnings: string[];
  /** The file read, or null when built-in defaults were used. */
  path: string | null;
  /** What the file itself set (known keys only), to tell a setting asked for from a default. */
  given: Record<string, unknown>;
}

function displayName(file: string): string {
  return file.startsWith('./') ? file.slice(2) : file;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  const s = JSON.stringify(v);
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
}

/**
 * Visits each key of the file's object that the schema does not know, depth first, with the object holding
 * it, its full path and the keys the schema knows there; returns how many there were.
 */
function forEachUnknownKey(
  obj: Record<string, unknown>,
  schema: z.ZodType,
  path: string[],
  visit: (parent: Record<string, unknown>, key: string, full: string[], known: string[]) => void,
): number {
  const sh = shapeOf(schema);
  if (sh.kind !== 'object') return 0;
  let n = 0;
  for (const key of Object.keys(obj)) {
    const child = sh.keys[key];
    const v = obj[key];
    if (!child) {
      visit(obj, key, [...path, key], Object.keys(sh.keys));
      n++;
    } else if (isRecord(v)) {
      n += forEachUnknownKey(v, child, [...path, key], visit);
    }
  }
  return n;
}

/**
 * Removes the keys of the file's object that the schema does not know (so that strict sections do not
 * turn a typo into a fatal error) and returns a warning for each, with a suggestion.
 */
function stripUnknown(obj: Record<string, unknown>, schema: z.ZodType, loc: Located, knownPaths: string[], out: string[]): void {
  forEachUnknownKey(obj, schema, [], (parent, key, full, known) => {
    const pos = locate(loc, full, 'key');
    const hint = nearest(key, known);
    let hintText = hint ? ` (did you mean '${hint}'?)` : '';
    if (!hint) {
      // A key put in the wrong section: suggest the full path of a known key with that name.
      const elsewhere = knownPaths.find((p) => p.endsWith('.' + key) || p === key);
      if (elsewhere) hintText = ` (did you mean '${elsewhere}'?)`;
    }
    out.push(`${where(loc, pos)}: unknown key '${full.join('.')}'${hintText}`);
    delete parent[key];
  });
}

/**
 * A value that matches no option of a union (alerts.rate_limit's {count, seconds} or false): when one
 * option got past the type check and failed inside (a bad count), its issues say what is wrong and where.
 */
function intoUnion(iss: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (iss.code !== 'invalid_union' || !iss.errors?.length) return [iss];
  const inner = iss.errors.find((opt) => opt.length > 0 && opt.every((o) => o.path.length > 0 || o.code === 'unrecognized_keys'));
  return inner ? inner.map((o) => ({ ...o, path: [...iss.path, ...o.path] })) : [iss];
}

/** Parses and validates settings text. Throws ConfigError for syntax errors and invalid values. */
export function parseSettings(text: string, file: string): { settings: Settings; warnings: string[]; given: Record<string, unknown> } {
  // Most files are plain YAML with known keys and valid values: read without the yaml package, whose cold
  // parse cost as much as the rest (src/config/plain-yaml.ts). Any other file, and every file with a
  // problem to report, takes the way below, which knows where each key and value is.
  const plain = readPlainYaml(text);
  if (isRecord(plain) && forEachUnknownKey(plain, settingsSchema, [], () => undefined) === 0) {
    const result = settingsSchema.safeParse(deepMerge(defaultSettings(), plain), PARSE_ONCE);
    if (result.success) return { settings: result.data, warnings: [], given: plain };
  }
  const name = displayName(file);
  const { located, errors } = parseLocated(text, name);
  if (errors.length) throw new ConfigError(errors.join('\n'), errors);
  const raw: unknown = located.doc.toJS({ maxAliasCount: 100 });
  if (raw !== null && raw !== undefined && !isRecord(raw)) {
    const msg = `${name}:1:1: settings must be a mapping of sections (interface, display, alerts, ...), got ${Array.isArray(raw) ? 'a list' : show(raw)}`;
    throw new ConfigError(msg);
  }
  const fromFile: Record<string, unknown> = isRecord(raw) ? raw : {};
  const warnings: string[] = [];
  stripUnknown(fromFile, settingsSchema, located, allKeyPaths(settingsSchema), warnings);
  const merged = deepMerge(defaultSettings(), fromFile);
  const result = settingsSchema.safeParse(merged, PARSE_ONCE);
  if (!result.success) {
    const problems = result.error.issues.flatMap(intoUnion).flatMap((iss) => {
      const path = iss.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
      // A key outside a fixed set (alerts.rate_limit takes alert type names): say which key and the set.
      if (iss.code === 'unrecognized_keys') {
        const at = schemaAt(settingsSchema, path);
        const sh = at ? shapeOf(at) : null;
        // The fixed keys of a record (alert types), or of a mapping inside one ({count, seconds}).
        const allowed = sh?.kind === 'object' ? Object.keys(sh.keys) : recordKeys(at);
        return iss.keys.map((k) => {
          const near = nearest(k, allowed);
          const hint = (near ? ` (did you mean ${near}?)` : '') + (allowed.length ? `; it must be one of ${allowed.join(', ')}` : '');
          return `${where(located, locate(located, [...path, k], 'key'))}: ${[...path, k].join('.')}: "${k}" is not a name this section knows${hint}`;
        });
      }
      const pos = locate(located, path, 'value');
      const leaf = schemaAt(settingsSchema, path);
      let got: unknown = fromFile;
      for (const seg of path) got = isRecord(got) || Array.isArray(got) ? (got as Record<string, unknown>)[String(seg)] : undefined;
      const what = leaf ? describe(leaf) : iss.message;
      return [`${where(located, pos)}: ${path.join('.')} must be ${what} (got ${show(got)})`];
    });
    throw new ConfigError(problems.join('\n'), problems);
  }
  return { settings: result.data, warnings, given: fromFile };
}

/**
 * Loads settings: `file` null means ./settings.yaml if it exists, else the built-in defaults. A file
 * named explicitly (--settings) must exist: a missing one is a ConfigError, because running with
 * defaults when the user pointed at a file hides a typo.
 */
export function loadSettings(file: string | null): LoadedSettings {
  const explicit = file !== null;
  const p = file ?? DEFAULT_SETTINGS_PATH;
  if (!existsSync(p)) {
    if (explicit) throw new ConfigError(`${displayName(p)}: settings file not found`);
    return { settings: defaultSettings(), warnings: [], path: null, given: {} };
  }
  let text: string;
  try {
    text = readFileSync(p, 'utf8');
  } catch (e) {
    throw new ConfigError(`${displayName(p)}: cannot read settings file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const { settings, warnings, given } = parseSettings(text, p);
  return { settings, warnings, path: p, given };
}
