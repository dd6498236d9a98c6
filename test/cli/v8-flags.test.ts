// NetGuard's V8 settings (src/cli/v8-flags.ts) take effect when applyV8Flags() runs, not on import, and
// every run applies them before its first packet.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CORPUS, ROOT, TSX_LOADER } from '../helpers/netguard.js';

const FLAGS_URL = pathToFileURL(path.join(ROOT, 'src/cli/v8-flags.ts')).href;

type Setup = 'none' | 'import' | 'apply';

/** Code that runs `go` in a fresh node: at once, after importing the flags module, or after also calling applyV8Flags(). */
function after(setup: Setup): string {
  if (setup === 'none') return 'go();';
  return `import(${JSON.stringify(FLAGS_URL)}).then((m) => { ${setup === 'apply' ? 'm.applyV8Flags(); ' : ''}return go(); });`;
}

/**
 * Runs a fresh node that (optionally) imports the flags module and applies them, then calls a new
 * function once and asks V8 about it: is it running baseline (Sparkplug) code, and does it have a
 * feedback vector yet?
 */
function probe(setup: Setup): { sparkplug: boolean; feedback: boolean; stderr: string } {
  const code = `
    const go = () => {
      function f(x) { return x + 1; }
      f(1);
      const sparkplug = %ActiveTierIsSparkplug(f);
      %DebugPrint(f);
      process.stderr.write('SPARKPLUG=' + sparkplug + '\\n');
    };
    ${after(setup)}
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
 * Runs a fresh node that (optionally) imports the flags module and applies them, optimizes a function
 * that reads a Uint8Array, then has Node make a digest Buffer: is the function still optimized afterwards?
 */
function survivesFirstBuffer(setup: Setup): boolean {
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
    ${after(setup)}
  `;
  const r = spawnSync(process.execPath, ['--allow-natives-syntax', '--import', TSX_LOADER, '-e', code], { encoding: 'utf8', cwd: ROOT });
  expect(r.status, r.stderr).toBe(0);
  const m = /BEFORE=(true|false) AFTER=(true|false)/.exec(r.stderr);
  expect(m, r.stderr).not.toBeNull();
  // The function must have been optimized for the question to mean anything.
  expect(m?.[1], r.stderr).toBe('true');
  return m?.[2] === 'true';
}

const src = (rel: string): string => JSON.stringify(pathToFileURL(path.join(ROOT, rel)).href);

/** Reads the capture (argv) as `netguard --batch -r` does, then asks V8 whether the engine's handle() has baseline code after its few calls. */
const PACKET_PROBE = `
  (async () => {
    const { parseArgs } = await import(${src('src/cli/args.ts')});
    const { wire } = await import(${src('src/cli/run.ts')});
    const { Engine } = await import(${src('src/engine/index.ts')});
    const run = await wire(parseArgs(['--batch', '-r', process.argv[1]]), 'batch');
    await run.pump();
    await run.close();
    process.stderr.write('HANDLE_SPARKPLUG=' + %ActiveTierIsSparkplug(Engine.prototype.handle) + '\\n');
  })();
`;

/** Runs a fresh node that (optionally) applies the flags, then one long loop: is its last turn optimized code (on-stack replacement)? */
function loopGetsOsr(setup: Setup): boolean {
  const code = `
    const go = () => {
      function f(n) { let s = 0; for (let i = 0; i < n; i++) { s += i % 7; if (i === n - 1) globalThis.osr = %CurrentFrameIsTurbofan(); } return s; }
      f(2e7);
      process.stderr.write('OSR=' + globalThis.osr + '\\n');
    };
    ${after(setup)}
  `;
  const r = spawnSync(process.execPath, ['--allow-natives-syntax', '--import', TSX_LOADER, '-e', code], { encoding: 'utf8', cwd: ROOT });
  expect(r.status, r.stderr).toBe(0);
  const m = /OSR=(true|false)/.exec(r.stderr);
  expect(m, r.stderr).not.toBeNull();
  return m?.[1] === 'true';
}

describe('V8 flags', () => {
  it('a long loop is not compiled again mid-call (on-stack replacement) once they are applied', () => {
    expect(loopGetsOsr('none')).toBe(true);
    expect(loopGetsOsr('apply')).toBe(false);
  });

  it("Node's first C++-made Buffer no longer throws optimized code away once they are applied", () => {
    // Without it, the first digest Buffer changes the Uint8Array map and V8 drops code that relied on it.
    expect(survivesFirstBuffer('none')).toBe(false);
    expect(survivesFirstBuffer('apply')).toBe(true);
  });

  it('a function gets baseline code and a feedback vector from its first call once they are applied, not on import', () => {
    const without = probe('none');
    expect(without).toMatchObject({ sparkplug: false, feedback: false });
    // Importing the module (as the bench and the command line do at start) changes nothing yet.
    expect(probe('import')).toMatchObject({ sparkplug: false, feedback: false });
    const withFlags = probe('apply');
    expect(withFlags).toMatchObject({ sparkplug: true, feedback: true });
    // V8 reports a flag it does not know on stderr ("Error: unrecognized flag ...") instead of throwing.
    expect(withFlags.stderr).not.toMatch(/unrecognized flag|Error/);
  });

  it('a run applies them before its first packet: the packet path starts with baseline code', () => {
    // Called twice (the capture's two packets), handle() would still be interpreted without the flags.
    const capture = path.join(CORPUS, 'tcpdump/dns_udp.pcap');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netguard-v8flags-'));
    try {
      const r = spawnSync(process.execPath, ['--allow-natives-syntax', '--import', TSX_LOADER, '-e', PACKET_PROBE, capture], { encoding: 'utf8', cwd: dir });
      expect(r.status, r.stderr).toBe(0);
      expect(/HANDLE_SPARKPLUG=(true|false)/.exec(r.stderr)?.[1], r.stderr).toBe('true');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the bench applies them in its stage children (the pipeline ones get them from the pump)', () => {
    for (const file of ['bench/bench.ts', 'bench/storm.ts']) expect(fs.readFileSync(path.join(ROOT, file), 'utf8'), file).toMatch(/\n {2}applyV8Flags\(\);\n/);
  });
});
