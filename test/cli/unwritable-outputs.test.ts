// Outputs that cannot be written (a full disk, a read-only file system, a directory the user may not
// write) are each named once on stderr with the reason; the alert lines on stdout, the other outputs and
// the summary line go on, and the exit code (3) says that something was lost. Runs as root: it mounts a
// 1 MB tmpfs and a read-only bind mount, and runs NetGuard as "nobody".
import { describe, it, expect, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CORPUS, netguardArgv, runNetguard, type RunResult } from '../helpers/netguard.js';
import { requireRoot } from '../helpers/netns.js';

const PCAP = path.join(CORPUS, 'ndpi/badpackets.pcap');
/** EVE on as well, so every file output of a batch run is there to fail. */
const SETTINGS = 'outputs:\n  eve:\n    enabled: true\n';
const ARGS = ['--batch', '--reputation-state', '-w', 'copy.pcap', '-r', PCAP];

const cleanups: Array<() => void> = [];
afterAll(() => {
  for (const c of cleanups.reverse()) c();
});

function must(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
}

function tempDir(prefix: string): string {
  const d = mkdtempSync(path.join(tmpdir(), prefix));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** A directory on a mount, unmounted after the tests (also when one fails). */
function mountDir(prefix: string, mountArgs: string[][]): string {
  const d = tempDir(prefix);
  for (const a of mountArgs) must('mount', [...a, d]);
  cleanups.push(() => spawnSync('umount', ['-l', d]));
  return d;
}

/** NetGuard as the user "nobody" (runuser), in `cwd`. */
function runAsNobody(args: string[], cwd: string): Promise<RunResult> {
  const [cmd, ...rest] = netguardArgv(args);
  const child = spawn('runuser', ['-u', 'nobody', '--', cmd, ...rest], { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  return new Promise((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    }),
  );
}

/** The reference: the same run in a directory it may write. */
let reference: RunResult | null = null;
async function writableRun(): Promise<RunResult> {
  if (reference) return reference;
  const d = tempDir('ng-writable-');
  writeFileSync(path.join(d, 'settings.yaml'), SETTINGS);
  reference = await runNetguard(ARGS, { cwd: d });
  expect(reference.code, reference.stderr).toBe(0);
  expect(reference.stderr).not.toMatch(/cannot write/);
  for (const f of ['alerts.json', 'alerts.log', 'eve.json', 'netguard.db', 'ip_reputation.json', 'copy.pcap']) expect(existsSync(path.join(d, f)), f).toBe(true);
  return reference;
}

function count(text: string, re: RegExp): number {
  return text.split('\n').filter((l) => re.test(l)).length;
}

/** What every unwritable case must show: each file named once, stdout intact, the summary counting the losses, exit 3. */
async function expectNamed(r: RunResult, why: string): Promise<void> {
  const ref = await writableRun();
  const alerts = ref.stdout.split('\n').filter((l) => l !== '').length;
  expect(alerts).toBeGreaterThan(10);
  // The same alert lines on stdout as when every file could be written.
  expect(r.stdout).toBe(ref.stdout);
  const lines: Array<[string, string]> = [
    ['alerts.json', 'alerts from now on are not saved there'],
    ['alerts.log', 'alerts from now on are not saved there'],
    ['eve.json', 'EVE records from now on are not saved there'],
    ['netguard.db', 'the alert history is off for this run \\(other outputs continue\\)'],
    ['ip_reputation.json', 'the reputation scores of this run are not saved'],
  ];
  for (const [file, after] of lines) {
    const re = new RegExp(`^netguard: cannot write ${file.replace('.', '\\.')}: ${why}; ${after}$`);
    expect(count(r.stderr, re), `${file} named once:\n${r.stderr}`).toBe(1);
  }
  // Never the temporary file's name, never a stack.
  expect(r.stderr).not.toMatch(/\.tmp-\d+|\n\s+at /);
  // The summary is still printed, with what could not be written counted.
  const summary = r.stderr.split('\n').find((l) => / packets, \d+ bytes, \d+ alerts/.test(l));
  expect(summary, r.stderr).toBeDefined();
  expect(summary).toContain(`, ${alerts} alerts,`);
  expect(summary).toMatch(new RegExp(`; not written: .*alerts\\.json \\(${alerts} alerts\\)`));
  expect(summary).toMatch(new RegExp(`alerts\\.log \\(${alerts} alerts\\)`));
  expect(summary).toMatch(new RegExp(`netguard\\.db \\(${alerts} alerts`));
  expect(summary).toMatch(/eve\.json \(\d+ EVE records\)/);
  expect(summary).toMatch(/ip_reputation\.json \(reputation scores not saved\)/);
  expect(r.code).toBe(3);
}

describe('outputs that cannot be written', () => {
  it('a full disk (1 MB tmpfs, full): each file named once with ENOSPC, stdout and summary intact, exit 3', async () => {
    requireRoot();
    const d = mountDir('ng-full-', [['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs']]);
    writeFileSync(path.join(d, 'settings.yaml'), SETTINGS);
    // Fill it: dd stops at ENOSPC.
    spawnSync('dd', ['if=/dev/zero', `of=${path.join(d, 'fill')}`, 'bs=4k']);
    expect(spawnSync('df', ['--output=avail', d], { encoding: 'utf8' }).stdout.trim().split('\n')[1].trim()).toBe('0');
    const r = await runNetguard(ARGS, { cwd: d });
    await expectNamed(r, 'no space left on device \\((ENOSPC|SQLITE_FULL)\\)');
    // -w's file could be created (tmpfs has inodes left) but not filled: named, and said incomplete.
    expect(count(r.stderr, /^netguard: cannot write copy\.pcap: no space left on device \(ENOSPC\); the capture file is incomplete$/)).toBe(1);
    expect(r.stderr).toMatch(/copy\.pcap \(incomplete after \d+ packets\)/);
  });

  it('a read-only bind mount: each file named once with EROFS', async () => {
    requireRoot();
    const src = tempDir('ng-ro-src-');
    writeFileSync(path.join(src, 'settings.yaml'), SETTINGS);
    const d = mountDir('ng-ro-', [['--bind', src], ['-o', 'remount,ro,bind']]);
    const r = await runNetguard(ARGS, { cwd: d });
    await expectNamed(r, 'read-only file system \\(EROFS\\)');
    expect(count(r.stderr, /^netguard: cannot write copy\.pcap: read-only file system \(EROFS\); packets are not saved there$/)).toBe(1);
  });

  it('a user who may not write the working directory ("nobody" in a root-owned directory): EACCES', async () => {
    requireRoot();
    if (spawnSync('id', ['-u', 'nobody']).status !== 0) throw new Error('this test needs the "nobody" user');
    const d = tempDir('ng-noperm-');
    writeFileSync(path.join(d, 'settings.yaml'), SETTINGS);
    chmodSync(d, 0o755);
    const r = await runAsNobody(ARGS, d);
    await expectNamed(r, 'permission denied \\(EACCES\\)');
    expect(count(r.stderr, /^netguard: cannot write copy\.pcap: permission denied \(EACCES\); packets are not saved there$/)).toBe(1);
    // Nothing was created there (no temporary file left either).
    expect(readdirSync(d)).toEqual(['settings.yaml']);
  });
});
