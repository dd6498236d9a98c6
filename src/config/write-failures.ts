// Outputs that could not be written (a full disk, a read-only file system, a directory the user may not
// write): each file is named once, with the reason and what it means, and what it failed to keep is counted
// for the run's summary line and exit code. The other outputs go on.
import path from 'node:path';

/** Plain words for the errno codes a write meets; the code itself follows in parentheses. */
const ERRNO_WORDS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'it is a directory',
  EIO: 'input/output error',
  EFBIG: 'file too large',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'file name too long',
};

/** SQLite result codes that stand for an errno above: SQLite's own message is vaguer. */
const SQLITE_WORDS: Array<[RegExp, string]> = [
  [/^SQLITE_FULL/, 'no space left on device'],
  [/^SQLITE_READONLY/, 'the database cannot be written (read-only file system or file)'],
  [/^SQLITE_CANTOPEN/, 'cannot create or open the database file (permission denied or no such directory)'],
  [/^SQLITE_PERM/, 'permission denied'],
];

/** Why a write failed, in words with the code: "no space left on device (ENOSPC)". */
export function whyNotWritten(e: unknown): string {
  const err = e as { code?: unknown; message?: unknown };
  const code = typeof err?.code === 'string' ? err.code : '';
  const message = typeof err?.message === 'string' ? err.message : String(e);
  if (ERRNO_WORDS[code]) return `${ERRNO_WORDS[code]} (${code})`;
  for (const [re, words] of SQLITE_WORDS) if (re.test(code)) return `${words} (${code})`;
  // Node's "EXDEV: cross-device link not permitted, rename 'a' -> 'b'": the words without the temporary names.
  const m = /^([A-Z][A-Z0-9_]+): ([^,]+)/.exec(message);
  if (m) return `${m[2]} (${m[1]})`;
  return code ? `${message} (${code})` : message;
}

/** A file as the user named it: "./alerts.json" is shown as "alerts.json". */
export function shownPath(file: string): string {
  return file.startsWith(`.${path.sep}`) ? file.slice(2) : file;
}

/** Units of what an output loses ("alert", "EVE record", ...), counted per unit. */
export interface WriteFailure {
  file: string;
  reason: string;
  /** Count per unit of what was not written; empty when nothing was lost yet. */
  lost: Map<string, number>;
  /** What the file holds when it is replaced whole (a state file): its not being saved is the loss. */
  unsaved: string | null;
}

export interface FailOptions {
  /** What the failure means, said after the reason: "alerts from now on are not saved there". */
  after: string;
  /** How many of `unit` this failure lost (default 0: counted later with lose()). */
  lost?: number;
  /** Singular noun of what is lost ("alert"); plural is made with "s". */
  unit?: string;
  /** For files written whole (state): what is not saved ("reputation scores"). */
  unsaved?: string;
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

export class WriteFailures {
  private readonly failures = new Map<string, WriteFailure>();

  constructor(private readonly say: (line: string) => void = (l) => process.stderr.write(`netguard: ${l}\n`)) {}

  /** Names `file` with the reason the first time it fails; every call counts what it lost. */
  fail(file: string, e: unknown, o: FailOptions): void {
    let f = this.failures.get(file);
    if (!f) {
      f = { file, reason: whyNotWritten(e), lost: new Map(), unsaved: null };
      this.failures.set(file, f);
      this.say(`cannot write ${shownPath(file)}: ${f.reason}; ${o.after}`);
    }
    if (o.unsaved) f.unsaved = o.unsaved;
    if (o.unit && o.lost) this.lose(file, o.lost, o.unit);
  }

  /** Counts more that a failed file did not get (alerts raised after it failed). */
  lose(file: string, n: number, unit: string): void {
    const f = this.failures.get(file);
    if (!f || n <= 0) return;
    f.lost.set(unit, (f.lost.get(unit) ?? 0) + n);
  }

  /** A file written whole was saved after all (a later save replaced it): its state is not lost. */
  saved(file: string): void {
    const f = this.failures.get(file);
    if (f) f.unsaved = null;
  }

  /** Whether `file` has failed in this run. */
  has(file: string): boolean {
    return this.failures.has(file);
  }

  /** True when some output lost something (the exit code says so). */
  get anyLost(): boolean {
    for (const f of this.failures.values()) if (f.unsaved !== null || [...f.lost.values()].some((n) => n > 0)) return true;
    return false;
  }

  list(): WriteFailure[] {
    return [...this.failures.values()];
  }

  /** "alerts.json (12 alerts), ip_reputation.json (reputation scores)", or "" when nothing was lost. */
  summary(): string {
    const parts: string[] = [];
    for (const f of this.failures.values()) {
      const what = [...f.lost].filter(([, n]) => n > 0).map(([u, n]) => plural(n, u));
      if (f.unsaved !== null) what.push(f.unsaved);
      if (what.length) parts.push(`${shownPath(f.file)} (${what.join(', ')})`);
    }
    return parts.join(', ');
  }
}
