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

describe('V8 flags', () => {
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
