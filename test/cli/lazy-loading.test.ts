// What each kind of run loads: start-up time is paid by every command, so a mode must not load the
// parts of NetGuard (and the packages) that only other modes use (see src/main.ts, src/cli/modes.ts, src/cli/run.ts).
// Checked twice: run from source, module by module, and run from the bundle bin/netguard runs, whose chunks
// are read back into the modules they hold (dist/bundle/metafile.json), so the same names are checked.
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CORPUS, ROOT, runNetguard } from '../helpers/netguard.js';
import { tempDirs } from '../helpers/temp-dir.js';

const RECORDER = path.join(ROOT, 'test/cli/fixtures/record-modules.mjs');
const tempDir = tempDirs('ng-lazy-');

type Build = 'source' | 'bundle';

/** The bundle's chunks (paths under ROOT) and, for each, the source modules and packages it holds. */
function chunkContents(): Map<string, string[]> {
  const meta = JSON.parse(readFileSync(path.join(ROOT, 'dist/bundle/metafile.json'), 'utf8')) as {
    outputs: Record<string, { inputs: Record<string, unknown> }>;
  };
  const chunks = new Map<string, string[]>();
  for (const [out, { inputs }] of Object.entries(meta.outputs)) chunks.set(out, Object.keys(inputs).map(sourceName));
  return chunks;
}

/** A module's name as the checks use it: its path under ROOT in src/ (tsc's dist/src/X.js read back as src/X.ts(x)), or its package's name. */
function sourceName(rel: string): string {
  const pkg = /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(rel);
  if (pkg) return pkg[1];
  const compiled = /^dist\/(src\/.*)\.js$/.exec(rel);
  if (compiled) return existsSync(path.join(ROOT, `${compiled[1]}.tsx`)) ? `${compiled[1]}.tsx` : `${compiled[1]}.ts`;
  return rel;
}

/** Runs NetGuard with args in a fresh directory; returns the modules it loaded (paths under ROOT in src/, package names for node_modules). */
async function modulesOf(build: Build, args: string[]): Promise<{ code: number | null; modules: Set<string> }> {
  const dir = tempDir();
  const list = path.join(dir, 'modules.txt');
  const opts = { cwd: dir, env: { NODE_OPTIONS: `--import=${RECORDER}`, RECORD_MODULES: list } };
  const r = await runNetguard(args, { ...opts, bundle: build === 'bundle' });
  const chunks = build === 'bundle' ? chunkContents() : null;
  const modules = new Set<string>();
  for (const url of readFileSync(list, 'utf8').split('\n')) {
    if (!url.startsWith('file://')) continue;
    const rel = path.relative(ROOT, new URL(url).pathname);
    const held = chunks?.get(rel);
    for (const m of held ?? [sourceName(rel)]) modules.add(m);
  }
  return { code: r.code, modules };
}

const matching = (modules: Set<string>, re: RegExp): string[] => [...modules].filter((m) => re.test(m));

describe.each<Build>(['source', 'bundle'])('lazy loading (%s)', (build) => {
  it('a batch file read loads neither the menu, the dashboard, the web server nor the outputs it does not use', async () => {
    const { code, modules } = await modulesOf(build, ['--batch', '-r', path.join(CORPUS, 'tcpdump/dns_udp.pcap')]);
    expect(code).toBe(0);
    // The recording works: the pipeline it ran is there.
    expect(modules).toContain('src/engine/engine.ts');
    expect(modules).toContain('zod');
    expect(matching(modules, /^(ink|react|fastify|@fastify\/websocket|ioredis|node-notifier|chalk)$/)).toEqual([]);
    expect(matching(modules, /^src\/(ui|web|response)\/|^src\/cli\/menu|^src\/alert\/sinks\/(console|notify|syslog|eve)\.ts$|^src\/enrich\/enricher\.ts$|^src\/capture\/live\.ts$/)).toEqual([]);
  });

  it('--version loads the argument parser only', async () => {
    const { code, modules } = await modulesOf(build, ['--version']);
    expect(code).toBe(0);
    expect(modules).toContain('commander');
    expect(matching(modules, /^(zod|yaml|better-sqlite3)$|^src\/(engine|detect|config\/schema)/)).toEqual([]);
  });
});
