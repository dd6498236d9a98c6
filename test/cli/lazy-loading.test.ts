// What each kind of run loads: start-up time is paid by every command, so a mode must not load the
// parts of NetGuard (and the packages) that only other modes use (see src/main.ts, src/cli/modes.ts, src/cli/run.ts).
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CORPUS, ROOT, runNetguard } from '../helpers/netguard.js';
import { tempDirs } from '../helpers/temp-dir.js';

const RECORDER = path.join(ROOT, 'test/cli/fixtures/record-modules.mjs');
const tempDir = tempDirs('ng-lazy-');

/** Runs NetGuard with args in a fresh directory; returns the modules it resolved (paths under ROOT, package names for node_modules). */
async function modulesOf(args: string[]): Promise<{ code: number | null; modules: Set<string> }> {
  const dir = tempDir();
  const list = path.join(dir, 'modules.txt');
  const r = await runNetguard(args, { cwd: dir, env: { NODE_OPTIONS: `--import=${RECORDER}`, RECORD_MODULES: list } });
  const modules = new Set<string>();
  for (const url of readFileSync(list, 'utf8').split('\n')) {
    if (!url.startsWith('file://')) continue;
    const rel = path.relative(ROOT, new URL(url).pathname);
    const pkg = /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(rel);
    modules.add(pkg ? pkg[1] : rel);
  }
  return { code: r.code, modules };
}

const matching = (modules: Set<string>, re: RegExp): string[] => [...modules].filter((m) => re.test(m));

describe('lazy loading', () => {
  it('a batch file read loads neither the menu, the dashboard, the web server nor the outputs it does not use', async () => {
    const { code, modules } = await modulesOf(['--batch', '-r', path.join(CORPUS, 'tcpdump/dns_udp.pcap')]);
    expect(code).toBe(0);
    // The recording works: the pipeline it ran is there.
    expect(modules).toContain('src/engine/engine.ts');
    expect(modules).toContain('zod');
    expect(matching(modules, /^(ink|react|fastify|@fastify\/websocket|ioredis|node-notifier|chalk)$/)).toEqual([]);
    expect(matching(modules, /^src\/(ui|web|response)\/|^src\/cli\/menu|^src\/alert\/sinks\/(console|notify|syslog|eve)\.ts$|^src\/enrich\/enricher\.ts$|^src\/capture\/live\.ts$/)).toEqual([]);
  });

  it('--version loads the argument parser only', async () => {
    const { code, modules } = await modulesOf(['--version']);
    expect(code).toBe(0);
    expect(modules).toContain('commander');
    expect(matching(modules, /^(zod|yaml|better-sqlite3)$|^src\/(engine|detect|config\/schema)/)).toEqual([]);
  });
});
