// bin/netguard (what `netguard` and `npm start` run) starts Node with ONE_CPU_NODE_FLAGS exactly when the
// process may use one CPU, resolves its own place through a symlink (npm's .bin), runs the bundle unless
// tsc's output is newer, and passes the arguments through unchanged.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLE_MAIN, builtBundle, ROOT } from '../helpers/netguard.js';
import { ONE_CPU_NODE_FLAGS } from '../../src/cli/v8-flags.js';

const LAUNCHER = path.join(ROOT, 'bin/netguard');
const MAIN = BUNDLE_MAIN;
// The launcher picks the bundle only when it is up to date: say so plainly when it is not.
const bundleReady = (): void => void builtBundle();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'netguard-launcher-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// A stand-in `node` first on PATH that prints the arguments it was given, one per line.
const fakeBin = path.join(tmp, 'bin');
fs.mkdirSync(fakeBin);
fs.writeFileSync(path.join(fakeBin, 'node'), '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n', { mode: 0o755 });

function argsSeen(cmd: string[], launcher = LAUNCHER): string[] {
  const r = spawnSync(cmd[0], [...cmd.slice(1), launcher, '-r', 'a file with spaces.pcap', '--batch'], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${fakeBin}:${process.env.PATH}` },
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split('\n').slice(0, -1);
}

const hasTaskset = spawnSync('taskset', ['-V']).status === 0;

describe('bin/netguard', () => {
  it('gives Node the one-CPU flags when pinned to one CPU', () => {
    bundleReady();
    if (!hasTaskset) throw new Error('taskset (util-linux) is needed for this test; scripts/setup.sh installs it');
    expect(argsSeen(['taskset', '-c', '0', 'sh'])).toEqual([...ONE_CPU_NODE_FLAGS, MAIN, '-r', 'a file with spaces.pcap', '--batch']);
  });

  it('gives them only when this machine has one CPU, unpinned', () => {
    bundleReady();
    const expected = os.availableParallelism() === 1 ? [...ONE_CPU_NODE_FLAGS] : [];
    expect(argsSeen(['sh'])).toEqual([...expected, MAIN, '-r', 'a file with spaces.pcap', '--batch']);
  });

  it('finds the build from a symlink elsewhere, as npm links bin entries', () => {
    bundleReady();
    const link = path.join(tmp, 'netguard');
    fs.symlinkSync(LAUNCHER, link);
    expect(argsSeen(['sh'], link)).toContain(MAIN);
  });

  it('runs tsc\'s output instead when tsc wrote it after the bundle was made, or when there is no bundle', () => {
    // A package tree of its own: bin/netguard and the two entry points, with chosen modification times.
    const root = path.join(tmp, 'pkg');
    const src = path.join(root, 'dist/src/main.js');
    const bundle = path.join(root, 'dist/bundle/main.js');
    fs.mkdirSync(path.join(root, 'bin'), { recursive: true });
    fs.copyFileSync(LAUNCHER, path.join(root, 'bin/netguard'));
    for (const f of [src, bundle]) {
      fs.mkdirSync(path.dirname(f), { recursive: true });
      fs.writeFileSync(f, '');
    }
    const at = (f: string, s: number): void => fs.utimesSync(f, s, s);
    const launcher = path.join(root, 'bin/netguard');
    at(src, 1_000_000);
    at(bundle, 1_000_010);
    expect(argsSeen(['sh'], launcher)).toContain(bundle);
    at(src, 1_000_020);
    expect(argsSeen(['sh'], launcher)).toContain(src);
    fs.rmSync(bundle);
    expect(argsSeen(['sh'], launcher)).toContain(src);
  });

  it('runs NetGuard for real, pinned and not', () => {
    bundleReady();
    for (const cmd of [['sh'], ['taskset', '-c', '0', 'sh']]) {
      const r = spawnSync(cmd[0], [...cmd.slice(1), LAUNCHER, '--version'], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/\d+\.\d+\.\d+/);
    }
  });
});
