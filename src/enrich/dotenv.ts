// A tiny reader for `.env` files (KEY=value lines, as python-dotenv and PyNetGuard use them).
//
// Why hand-written: only one key is needed, and the parser must never echo a value into an error
// message (the file holds an API key).
import { readFileSync } from 'node:fs';

/**
 * Parses .env text: `KEY=value`, optional `export `, `#` comments, single- or double-quoted values
 * (double quotes understand \n, \t, \" and \\). Lines that do not parse are skipped silently.
 */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2];
    const q = value[0];
    if ((q === '"' || q === "'") && value.length >= 2) {
      const end = value.indexOf(q, 1);
      if (end > 0) {
        value = value.slice(1, end);
        if (q === '"') value = value.replace(/\\([nt"\\])/g, (_s, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));
      }
    } else {
      // Unquoted: an inline comment starts at " #".
      const hash = value.search(/\s#/);
      if (hash >= 0) value = value.slice(0, hash);
      value = value.trim();
    }
    out[m[1]] = value;
  }
  return out;
}

/** Where the key came from, for the one status line (never the key itself). */
export type KeySource = 'environment' | 'env-file' | 'none';

/**
 * The API key named `name` from the environment, else from `envFile`. A missing or unreadable
 * file is the same as no key.
 */
export function readApiKey(name: string, envFile: string, env: NodeJS.ProcessEnv = process.env): { key: string | null; source: KeySource } {
  const fromEnv = env[name]?.trim();
  if (fromEnv) return { key: fromEnv, source: 'environment' };
  if (envFile) {
    try {
      const vars = parseDotenv(readFileSync(envFile, 'utf8'));
      const v = vars[name]?.trim();
      if (v) return { key: v, source: 'env-file' };
    } catch {
      // No file: no key.
    }
  }
  return { key: null, source: 'none' };
}
