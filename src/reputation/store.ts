// Reputation persistence (the I/O half of reputation/): reads the three list files, loads and saves the
// score state as JSON (atomically: temporary file, fsync, rename), moves a corrupt state file aside
// (<file>.corrupt-<n>) with a warning, and appends menu additions (options 15-17) to the list files.
import { appendFileSync, existsSync, readFileSync, renameSync, statSync } from 'node:fs';
import { writeFileAtomic, writeFileAtomicAsync } from '../config/atomic-file.js';
import type { Settings } from '../config/schema.js';
import { WriteFailures } from '../config/write-failures.js';
import { parseCidr, parseIp } from '../decode/addr.js';
import { canonicalEntry, type IpList } from './ip-list.js';
import { IpReputation, type ReputationState } from './reputation.js';

function readOptional(file: string, warnings: string[]): string | undefined {
  if (!file || !existsSync(file)) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    warnings.push(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)}); list ignored`);
    return undefined;
  }
}

function validState(v: unknown): v is ReputationState {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  return s.version === 1 && Array.isArray(s.entries) && s.entries.every((e) => typeof e === 'object' && e !== null && typeof (e as Record<string, unknown>).ip === 'string' && typeof (e as Record<string, unknown>).score === 'number');
}

/** Moves a bad file to the first free <file>.corrupt-<n>; returns the new name. */
export function moveAside(file: string): string {
  for (let n = 1; ; n++) {
    const dest = `${file}.corrupt-${n}`;
    if (!existsSync(dest)) {
      renameSync(file, dest);
      return dest;
    }
  }
}

/** Loads a state file. Missing: null, no warning. Corrupt: moved aside, null, one warning. */
export function loadReputationState(file: string): { state: ReputationState | null; warnings: string[] } {
  if (!file || !existsSync(file)) return { state: null, warnings: [] };
  let why: string;
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (validState(parsed)) return { state: parsed, warnings: [] };
    why = 'not a NetGuard reputation state (expected {"version": 1, "entries": [...]})';
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code) return { state: null, warnings: [`${file}: cannot read state (${(e as NodeJS.ErrnoException).code}); starting with empty scores`] };
    why = (e as Error).message;
  }
  const dest = moveAside(file);
  return { state: null, warnings: [`${file}: corrupt reputation state (${why}); moved to ${dest}, starting with empty scores`] };
}

export function stateText(state: ReputationState): string {
  return JSON.stringify(state) + '\n';
}

export function saveReputationState(file: string, state: ReputationState): void {
  writeFileAtomic(file, stateText(state));
}

export function saveReputationStateAsync(file: string, state: ReputationState): Promise<void> {
  return writeFileAtomicAsync(file, stateText(state));
}

/** Appends one entry line to a list file (creating it), keeping the file's last line intact. */
export function appendListEntry(file: string, entry: string, comment?: string): void {
  let prefix = '';
  if (existsSync(file) && statSync(file).size > 0) {
    const text = readFileSync(file, 'utf8');
    if (!text.endsWith('\n')) prefix = '\n';
  }
  const note = comment ? `  # ${comment.replace(/[\r\n]+/g, ' ')}` : '';
  appendFileSync(file, `${prefix}${entry}${note}\n`);
}

export type ListName = 'blacklist' | 'whitelist' | 'malicious';

/** The reputation with its files: what the engine and the menu use. */
export class ReputationStore {
  readonly rep: IpReputation;
  readonly warnings: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private saving: Promise<void> = Promise.resolve();

  constructor(
    readonly cfg: Settings['ip_reputation'],
    private readonly failures: WriteFailures = new WriteFailures(),
  ) {
    this.rep = new IpReputation({
      score_threshold: cfg.score_threshold,
      decay_per_hour: cfg.decay_per_hour,
      points: cfg.points,
      max_tracked: cfg.max_tracked,
    });
    const w = this.warnings;
    w.push(
      ...this.rep.loadLists(
        { blacklist: readOptional(cfg.blacklist_file, w), whitelist: readOptional(cfg.whitelist_file, w), malicious: readOptional(cfg.malicious_file, w) },
        { blacklist: cfg.blacklist_file, whitelist: cfg.whitelist_file, malicious: cfg.malicious_file },
      ),
    );
    const { state, warnings } = loadReputationState(cfg.state_file);
    w.push(...warnings);
    if (state) this.rep.fromState(state);
  }

  private fileOf(list: ListName): string {
    return list === 'blacklist' ? this.cfg.blacklist_file : list === 'whitelist' ? this.cfg.whitelist_file : this.cfg.malicious_file;
  }

  private listOf(list: ListName): IpList {
    return list === 'blacklist' ? this.rep.blacklist : list === 'whitelist' ? this.rep.whitelist : this.rep.maliciousList;
  }

  /**
   * Menu options 15 (blacklist), 16 (whitelist) and 17 (known malicious): adds an address or CIDR block
   * to the list in memory and appends a line to its file, unless the list already has it (then it says
   * so and writes nothing). Says too when the address is on a list whose effect meets this one's.
   * Returns a one-line message; throws nothing.
   */
  add(list: ListName, entry: string, comment?: string): { ok: boolean; message: string } {
    const t = canonicalEntry(entry);
    if (t === null) return { ok: false, message: `'${entry.trim()}' is not an IPv4/IPv6 address or CIDR block` };
    const file = this.fileOf(list);
    const same = this.listOf(list).find(t);
    if (same !== null) return { ok: true, message: `${t} is already listed in ${file}${same !== t ? ` (as ${same})` : ''}; nothing changed` };
    const addr = t.includes('/') ? null : parseIp(t);
    const block = addr !== null ? this.listOf(list).match(addr) : null;
    if (block !== null) return { ok: true, message: `${t} is already covered by ${block} in ${file}; nothing changed` };
    try {
      appendListEntry(file, t, comment);
    } catch (e) {
      return { ok: false, message: `${file}: cannot append (${(e as NodeJS.ErrnoException).code ?? String(e)})` };
    }
    this.rep.addToList(list, t);
    return { ok: true, message: `added ${t} to ${file}${this.overlap(list, t)}` };
  }

  /** What an entry's presence on another list means for this one (docs/reputation.md, "On two lists"), or ''. */
  private overlap(list: ListName, entry: string): string {
    const other = (name: ListName): string | null => {
      const l = this.listOf(name);
      const exact = l.find(entry);
      if (exact !== null) return exact;
      const a = parseIp(entry.split('/')[0]);
      const covering = a === null ? null : l.match(a);
      if (covering !== null) return covering;
      // A block: an entry of the other list inside it.
      const block = parseCidr(entry);
      return block === null ? null : (l.entries().find((e) => {
        const b = parseIp(e.split('/')[0]);
        return b !== null && block.match(b);
      }) ?? null);
    };
    const white = other('whitelist');
    const black = other('blacklist');
    if (list === 'blacklist' && white !== null) return `; it is also on ${this.cfg.whitelist_file} (${white}): BLACKLISTED_IP is raised for it all the same, its other alerts stay off`;
    if (list === 'whitelist' && black !== null) return `; it stays on ${this.cfg.blacklist_file} (${black}): BLACKLISTED_IP is still raised for it, its other alerts and its score are off`;
    if (list === 'malicious' && white !== null) return `; it is also on ${this.cfg.whitelist_file} (${white}), which wins: no MALICIOUS_IP is raised for it`;
    return '';
  }

  /**
   * Takes an entry (any spelling of it) off a list: rewrites the list file without its lines (atomically,
   * comments and other lines kept) and drops it from memory at once. Returns a one-line message.
   */
  remove(list: ListName, entry: string): { ok: boolean; message: string } {
    const t = canonicalEntry(entry);
    if (t === null) return { ok: false, message: `'${entry.trim()}' is not an IPv4/IPv6 address or CIDR block` };
    const file = this.fileOf(list);
    if (this.listOf(list).find(t) === null) {
      const a = t.includes('/') ? null : parseIp(t);
      const block = a !== null ? this.listOf(list).match(a) : null;
      if (block !== null) return { ok: false, message: `${t} is not an entry of ${file} but is covered by ${block}; remove that block` };
      return { ok: false, message: `${t} is not listed in ${file}` };
    }
    try {
      const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
      const kept = text.split(/(?<=\n)/).filter((line) => canonicalEntry(line.replace(/#.*/s, '').trim()) !== t);
      writeFileAtomic(file, kept.join(''));
    } catch (e) {
      return { ok: false, message: `${file}: cannot rewrite (${(e as NodeJS.ErrnoException).code ?? String(e)})` };
    }
    this.rep.removeFromList(list, t);
    return { ok: true, message: `removed ${t} from ${file}` };
  }

  /** A save that failed names the state file once (the error's path is the temporary file's, not the one to name). */
  private saveFailed(e: unknown): void {
    this.failures.fail(this.cfg.state_file, e, { after: 'the reputation scores of this run are not saved', unsaved: 'reputation scores not saved' });
  }

  /** Saves the score state now, synchronously (on exit); a failure is named, not thrown. */
  saveSync(): void {
    if (!this.cfg.state_file) return;
    try {
      saveReputationState(this.cfg.state_file, this.rep.toState());
      this.failures.saved(this.cfg.state_file);
    } catch (e) {
      this.saveFailed(e);
    }
  }

  /** Saves in the background; saves never overlap. */
  save(): Promise<void> {
    if (!this.cfg.state_file) return Promise.resolve();
    const state = this.rep.toState();
    this.saving = this.saving
      .then(() => saveReputationStateAsync(this.cfg.state_file, state))
      .then(
        () => this.failures.saved(this.cfg.state_file),
        (e: unknown) => this.saveFailed(e),
      );
    return this.saving;
  }

  /** Saves every ip_reputation.save_interval seconds until stop(). */
  start(): void {
    if (this.timer || this.cfg.save_interval <= 0) return;
    this.timer = setInterval(() => void this.save(), this.cfg.save_interval * 1000);
    this.timer.unref();
  }

  /** Stops the timer and writes the final state. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.saving;
    this.saveSync();
  }
}
