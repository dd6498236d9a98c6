// Reputation persistence (the I/O half of reputation/): reads the three list files, loads and saves the
// score state as JSON (atomically: temporary file, fsync, rename), moves a corrupt state file aside
// (<file>.corrupt-<n>) with a warning, and appends menu additions (options 15-17) to the list files.
import { appendFileSync, existsSync, readFileSync, renameSync, statSync } from 'node:fs';
import { writeFileAtomic, writeFileAtomicAsync } from '../config/atomic-file.js';
import type { Settings } from '../config/schema.js';
import { WriteFailures } from '../config/write-failures.js';
import { parseCidr } from '../decode/addr.js';
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

  /**
   * Menu options 15 (blacklist), 16 (whitelist) and 17 (known malicious): adds to the list in memory and
   * appends a line to its file. Returns a one-line message; throws nothing.
   */
  add(list: ListName, entry: string, comment?: string): { ok: boolean; message: string } {
    const t = entry.trim();
    if (!parseCidr(t)) return { ok: false, message: `'${t}' is not an IPv4/IPv6 address or CIDR block` };
    const file = this.fileOf(list);
    try {
      appendListEntry(file, t, comment);
    } catch (e) {
      return { ok: false, message: `${file}: cannot append (${(e as NodeJS.ErrnoException).code ?? String(e)})` };
    }
    this.rep.addToList(list, t);
    return { ok: true, message: `added ${t} to ${file}` };
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
