// -l/--log-dir DIR, as Suricata's and Snort's -l: the directory the files NetGuard writes go to. Relative
// paths of the output settings resolve against it; absolute ones stay; without -l they stay relative to
// the working directory (the seed's behaviour). Inputs (lists, rules, settings, .env) are not moved.
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { getPath, setPath } from './dot-path.js';
import type { Settings } from './schema.js';
import { whyNotWritten } from './write-failures.js';

/** The settings that name a file NetGuard writes (an empty value turns that output off and stays empty). */
export const OUTPUT_FILE_SETTINGS = [
  'alerts.log_file',
  'alerts.text_log',
  'outputs.eve.file',
  'history.db_file',
  'ip_reputation.state_file',
  'enrichment.output_file',
  'enrichment.cache_file',
] as const;

/** A log directory that cannot be made or written: exit code 1, one line. */
export class LogDirError extends Error {
  readonly exitCode = 1;
}

/** A file name resolved against the log directory (absolute paths and "" unchanged; no directory: unchanged). */
export function inLogDir(dir: string | null | undefined, file: string): string {
  if (!dir || !file || path.isAbsolute(file)) return file;
  return path.resolve(dir, file);
}

/** The settings with every output file resolved against `dir` (a copy; the input is not changed). */
export function withLogDir(settings: Settings, dir: string): Settings {
  const out = structuredClone(settings) as Settings & Record<string, unknown>;
  for (const key of OUTPUT_FILE_SETTINGS) {
    const v = getPath(out, key);
    if (typeof v === 'string') setPath(out, key, inLogDir(dir, v));
  }
  return out;
}

/** Creates the log directory if missing and checks it can be written; returns its absolute path. */
export function ensureLogDir(dir: string): string {
  const abs = path.resolve(dir);
  try {
    mkdirSync(abs, { recursive: true });
  } catch (e) {
    throw new LogDirError(`cannot create log directory ${dir}: ${whyNotWritten(e)}`);
  }
  if (!statSync(abs).isDirectory()) throw new LogDirError(`log directory ${dir} is not a directory`);
  try {
    accessSync(abs, constants.W_OK);
  } catch (e) {
    throw new LogDirError(`cannot write in log directory ${dir}: ${whyNotWritten(e)}`);
  }
  return abs;
}
