// NetGuard's V8 settings (src/cli/v8-flags.ts) take effect when imported, and the entry points import them first.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROOT, TSX_LOADER } from '../helpers/netguard.js';

const FLAGS_URL = pathToFileURL(path.join(ROOT, 'src/cli/v8-flags.ts')).href;

/**
 * Runs a fresh node that (optionally) imports the flags module, then calls a new function once and asks
 * V8 about it: is it running baseline (Sparkplug) code, and does it have a feedback vector yet?
 */
function probe(importFlags: boolean): { sparkplug: boolean; feedback: boolean; stderr: string } {
  const code = `
    const go = () => {
      function f(x) { return x + 1; }
      f(1);
      const sparkplug = %ActiveTierIsSparkplug(f);
      %DebugPrint(f);
      process.stderr.write('SPARKPLUG=' + sparkplug + '\\n');
    };
    ${importFlags ? `import(${JSON.stringify(FLAGS_URL)}).then(go);` : 'go();'}
  `;
  const r = spawnSync(process.execPath, ['--allow-natives-syntax', '--import', TSX_LOADER, '-e', code], { encoding: 'utf8', cwd: ROOT });
  expect(r.status, r.stderr).toBe(0);
  // %DebugPrint writes to stdout: "- feedback vector: No feedback vector, ..." until the function has one.
  const fv = /- feedback vector: (.*)/.exec(r.stdout);
  expect(fv, r.stdout).not.toBeNull();
  const spark = /SPARKPLUG=(true|false)/.exec(r.stderr);
  expect(spark, r.stderr).not.toBeNull();
  return {
    sparkplug: spark?.[1] === 'true',
    feedback: !(fv?.[1] ?? '').startsWith('No feedback vector'),
    stderr: r.stderr.replace(/SPARKPLUG=\w+\n/, ''),
  };
}

/**
 * Runs a fresh node that (optionally) imports the flags module, optimizes a function that reads a
 * Uint8Array, then has Node make a digest Buffer: is the function still optimized afterwards?
 */
function survivesFirstBuffer(importFlags: boolean): boolean {
  const code = `
    const go = async () => {
      const { createHash } = await import('node:crypto');
      const holder = { buf: new Uint8Array(64) };
      function f(o) { return o.buf[1] + o.buf.length; }
      %PrepareFunctionForOptimization(f);
      f(holder); f(holder);
      %OptimizeFunctionOnNextCall(f);
      f(holder);
      const OPTIMIZED = 16;
      const before = (%GetOptimizationStatus(f) & OPTIMIZED) !== 0;
      createHash('sha1').update('a packet').digest();
      const after = (%GetOptimizationStatus(f) & OPTIMIZED) !== 0;
      process.stderr.write('BEFORE=' + before + ' AFTER=' + after + '\\n');
    };
    ${importFlags ? `import(${JSON.stringify(FLAGS_URL)}).then(go);` : 'go();'}
  `;
  const r = spawnSync(process.execPath, ['--allow-natives-syntax', '--import', TSX_LOADER, '-e', code], { encoding: 'utf8', cwd: ROOT });
  expect(r.status, r.stderr).toBe(0);
  const m = /BEFORE=(true|false) AFTER=(true|false)/.exec(r.stderr);
  expect(m, r.stderr).not.toBeNull();
  // The function must have been optimized for the question to mean anything.
  expect(m?.[1], r.stderr).toBe('true');
  return m?.[2] === 'true';
}

describe('V8 flags', () => {
  it("Node's first C++-made Buffer no longer throws optimized code away once the module is imported", () => {
    // Without it, the first digest Buffer changes the Uint8Array map and V8 drops code that relied on it.
    expect(survivesFirstBuffer(false)).toBe(false);
    expect(survivesFirstBuffer(true)).toBe(true);
  });

  it('a function gets baseline code and a feedback vector from its first call once the module is imported', () => {
    const without = probe(false);
    expect(without).toMatchObject({ sparkplug: false, feedback: false });
    const withFlags = probe(true);
    expect(withFlags).toMatchObject({ sparkplug: true, feedback: true });
    // V8 reports a flag it does not know on stderr ("Error: unrecognized flag ...") instead of throwing.
    expect(withFlags.stderr).not.toMatch(/unrecognized flag|Error/);
  });

  it('the command line and the benchmark import it before anything else', () => {
    for (const [file, spec] of [
      ['src/main.ts', './cli/v8-flags.js'],
      ['bench/bench.ts', '../src/cli/v8-flags.js'],
    ]) {
      const first = /^import\s+(?:[^'"]*from\s+)?['"]([^'"]+)['"]/m.exec(fs.readFileSync(path.join(ROOT, file), 'utf8'));
      expect(first?.[1], file).toBe(spec);
    }
  });
});
