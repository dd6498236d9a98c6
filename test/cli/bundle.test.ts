// The bundle bin/netguard runs (scripts/bundle.mjs) does what tsc's output does: the same outputs for a
// capture, and the files NetGuard finds beside its own code (through import.meta.url) found from its chunks.
import { describe, it, expect } from 'vitest';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { builtBundle, CORPUS, DIST_MAIN, ROOT } from '../helpers/netguard.js';
import { tempDirs } from '../helpers/temp-dir.js';
// @ts-expect-error: a plain .mjs build script without type declarations
import { restoreConsts } from '../../scripts/bundle-consts.mjs';

const tempDir = tempDirs('ng-bundle-');

interface Outputs {
  code: number | null;
  stdout: string;
  stderr: string;
  files: Record<string, string>;
}

/** Runs `node MAIN args` in a fresh directory with no settings or rules of its own (so the shipped ones are found); returns its output files too. */
function run(main: string, args: string[]): Promise<Outputs> {
  const dir = tempDir();
  return new Promise((resolve) => {
    execFile(process.execPath, [main, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 1 << 26 }, (err, stdout, stderr) => {
      const files: Record<string, string> = {};
      for (const f of ['alerts.json', 'alerts.log', 'eve.json']) {
        // EVE stats records carry the run's wall-clock uptime.
        if (fs.existsSync(path.join(dir, f))) files[f] = fs.readFileSync(path.join(dir, f), 'utf8').split('\n').filter((l) => !l.includes('"event_type":"stats"')).join('\n');
      }
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr, files });
    });
  });
}

/** The bundle's file that a dynamic import of `entry` (tsc's output, e.g. dist/src/web/server.js) loads. */
function chunkOf(entry: string): string {
  const meta = JSON.parse(fs.readFileSync(path.join(ROOT, 'dist/bundle/metafile.json'), 'utf8')) as { outputs: Record<string, { entryPoint?: string }> };
  const out = Object.entries(meta.outputs).find(([, o]) => o.entryPoint === entry);
  if (!out) throw new Error(`no chunk of the bundle starts at ${entry}`);
  return path.join(ROOT, out[0]);
}

describe('the bundle bin/netguard runs', () => {
  it.each(['zeek/nmap-vsn.pcap', 'chrissanders-packets/http_dvwa_directorytraversal.pcapng'])('prints and writes what tsc\'s output does for %s', async (capture) => {
    const main = builtBundle();
    const args = ['--batch', '--dump-packets', '--eve', 'eve.json', '-r', path.join(CORPUS, capture)];
    const [fromDist, fromBundle] = await Promise.all([run(DIST_MAIN, args), run(main, args)]);
    expect(fromDist.code).toBe(0);
    expect(fromBundle.code).toBe(0);
    expect(fromBundle.stdout).toBe(fromDist.stdout);
    expect(fromBundle.files).toEqual(fromDist.files);
    // The shipped settings and rules, found by walking up from the chunk as from dist/src/config/.
    const loaded = (o: Outputs): string => o.stderr.split('\n')[0];
    expect(loaded(fromBundle)).toBe(`netguard: loaded ${path.join(ROOT, 'settings.yaml')} (shipped with NetGuard), ${path.join(ROOT, 'rules.yaml')} (shipped with NetGuard)`);
    expect(loaded(fromBundle)).toBe(loaded(fromDist));
    // The alert the capture is here for, and packets dumped.
    expect(fromBundle.files['alerts.json']).toMatch(/\S/);
    expect(fromBundle.stdout.split('\n').length).toBeGreaterThan(5);
  });

  it('prints the same version, usage error and settings errors (zod\'s messages, of which the bundle holds English only)', async () => {
    const main = builtBundle();
    const bad = path.join(tempDir(), 'settings.yaml');
    fs.writeFileSync(bad, 'thresholds:\n  syn_flood: -3\n  port_scan: many\nalerts:\n  rate_limit: {count: 0}\n  no_such_key: 1\n');
    const capture = path.join(CORPUS, 'tcpdump/dns_udp.pcap');
    for (const args of [['--version'], ['--no-such-option'], ['--batch', '-r', capture, '--settings', bad]]) {
      const [fromDist, fromBundle] = await Promise.all([run(DIST_MAIN, args), run(main, args)]);
      expect({ code: fromBundle.code, stdout: fromBundle.stdout, stderr: fromBundle.stderr }).toEqual({ code: fromDist.code, stdout: fromDist.stdout, stderr: fromDist.stderr });
    }
  });

  it('serves the web page\'s files from beside its chunk', async () => {
    builtBundle();
    const { buildWebApp } = (await import(pathToFileURL(chunkOf('dist/src/web/server.js')).href)) as typeof import('../../src/web/server.js');
    // The page's routes need no engine: every control call is a no-op here.
    const control = new Proxy({}, { get: () => () => () => undefined }) as Parameters<typeof buildWebApp>[0];
    const app = await buildWebApp(control, { token: 't' });
    try {
      for (const [route, file] of [['/', 'index.html'], ['/app.js', 'app.js'], ['/app.css', 'app.css']]) {
        const r = await app.inject({ url: route, headers: { authorization: 'Bearer t' } });
        expect(r.statusCode).toBe(200);
        expect(r.body).toBe(fs.readFileSync(path.join(ROOT, 'src/web/public', file), 'utf8'));
      }
    } finally {
      await app.close();
    }
  });

  it('is what the bench\'s timed full-pipeline rows run: runMain from its chunk of src/cli/modes.ts, printing what bin/netguard prints', async () => {
    const main = builtBundle();
    const capture = path.join(CORPUS, 'zeek/nmap-vsn.pcap');
    const work = tempDir();
    const stdout = path.join(work, 'stdout.jsonl');
    const fd = fs.openSync(stdout, 'w');
    const { spawnSync } = await import('node:child_process');
    const child = spawnSync(process.execPath, [path.join(ROOT, 'dist/bench/bench.js'), '--child', 'pipeline', capture, path.join(work, 'result.json')], { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
    fs.closeSync(fd);
    expect(child.status, child.stderr).toBe(0);
    const result = JSON.parse(fs.readFileSync(path.join(work, 'result.json'), 'utf8')) as { code?: string };
    expect(path.join(ROOT, result.code ?? '')).toBe(chunkOf('dist/src/cli/modes.js'));
    const cli = await run(main, ['--batch', '-r', capture]);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/"type"/);
    expect(fs.readFileSync(stdout, 'utf8')).toBe(cli.stdout);
  });

  it('finds the capture addon and node-notifier from its chunks', async () => {
    builtBundle();
    const capture = chunkOf('dist/src/capture/index.js');
    const { captureDevices } = (await import(pathToFileURL(capture).href)) as typeof import('../../src/capture/index.js');
    // null means the addon was not found or did not load (scripts/setup.sh builds it where libpcap-dev is).
    if (fs.existsSync(path.join(ROOT, 'build/Release/pcap_batch.node'))) expect(captureDevices()).toContain('lo');
    // src/alert/sinks/notify.ts loads node-notifier with a require made from its own chunk's URL.
    const notify = chunkOf('dist/src/alert/sinks/notify.js');
    expect(createRequire(pathToFileURL(notify)).resolve('node-notifier')).toBe(path.join(ROOT, 'node_modules/node-notifier/index.js'));
  });
});

describe('the bundle\'s constants declared const again (scripts/bundle-consts.mjs)', () => {
  const restore = restoreConsts as (code: string, names: Set<string>) => { code: string; restored: number };
  const names = new Set(['TCP_SYN', 'LIMIT', 'NAME', 'counter', 'K_2', 'LAYER_ICMPV6', 'TCP_ACK']);

  it('restores a constant tsc\'s output declares const, under its own name or with esbuild\'s numeric suffix', () => {
    const code = 'var TCP_SYN = 2;\nvar TCP_SYN2 = TCP_SYN;\nvar NAME = "eth0";\nvar LIMIT = 0x10;\nvar K_2 = -1.5e3;\nfunction f(p) { return p.flags === TCP_SYN2 || LIMIT > 3; }\n';
    const out = restore(code, names);
    expect(out.code).toBe(code.replace(/^var /gm, 'const '));
    expect(out.restored).toBe(5);
  });

  it('leaves a name assigned anywhere else, a name not const in the source, an object and an indented var', () => {
    const code = [
      'var counter = 0;',
      'function bump() { counter += 1; }',
      'var LIMIT = 5;',
      'function raise() { LIMIT++; }',
      'var NAME = "a";',
      'function rename() { NAME = "b"; }',
      'var OTHER = 1;',
      'var TCP_SYN = { bit: 1 << 1 };',
      '  var K_2 = 3;',
      'var K_2 = 4;',
      'function g() { --K_2; }',
      '',
    ].join('\n');
    const out = restore(code, names);
    expect(out.code).toBe(code);
    expect(out.restored).toBe(0);
  });

  it('restores an expression of constants and a destructuring whose every name qualifies, suffix digits taken off one by one', () => {
    const code = 'var LIMIT = 1 << 7;\nvar K_2 = LIMIT | 3;\nvar { LAYER_ICMPV6: LAYER_ICMPV62, TCP_ACK } = packet_exports;\n';
    const out = restore(code, names);
    expect(out.code).toBe(code.replace(/^var /gm, 'const '));
    expect(out.restored).toBe(4);
  });

  it('leaves a destructuring with one name assigned elsewhere or not const in the source', () => {
    const code = 'var { TCP_ACK, NAME: NAME2 } = ns;\nfunction f() { NAME2 = 1; }\nvar { TCP_SYN, OTHER } = ns;\n';
    expect(restore(code, names)).toEqual({ code, restored: 0 });
  });

  it('reads a comparison or a property of the same name as no assignment', () => {
    const code = 'var LIMIT = 5;\nfunction f(o) { o.LIMIT = 1; return LIMIT == 5 || LIMIT === 6 || LIMIT >= 2; }\n';
    expect(restore(code, names).code).toBe(code.replace('var LIMIT', 'const LIMIT'));
  });

  it('is what the built bundle holds: the packet flags are const in its chunks', () => {
    builtBundle();
    const dir = path.join(ROOT, 'dist/bundle');
    const text = fs.readdirSync(dir).filter((f) => f.endsWith('.js')).map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n');
    expect(text).toMatch(/^const TCP_SYN = 2;$/m);
    expect(text).not.toMatch(/^var TCP_SYN = /m);
    // The packet path's module-local copies, destructured from a namespace.
    expect(text).toMatch(/^const \{ [^}]*\bLAYER_TCP: LAYER_TCP\d+\b[^}]* \} = packet_exports;$/m);
    expect(text).not.toMatch(/^var \{ [^}]* \} = packet_exports;$/m);
  });
});
