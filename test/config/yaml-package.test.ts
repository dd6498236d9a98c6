// A start whose settings and rules files are plain YAML never loads the yaml package (src/config/yaml-package.ts);
// one that needs it still loads it and gets the same result.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { CORPUS, ROOT, builtBundle } from '../helpers/netguard.js';

const CAPTURE = path.join(CORPUS, 'chrissanders-packets/http_dvwa_sqlinjection.pcapng');
const dirs: string[] = [];

afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** Runs the bundle's `--batch -r CAPTURE` in a fresh directory holding these settings and the shipped rules; says whether the yaml package was loaded. */
function run(settings: string): { loaded: boolean; stdout: string; code: number | null } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netguard-yaml-'));
  dirs.push(dir);
  for (const f of ['rules.yaml', 'blacklist.txt', 'whitelist.txt']) fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
  fs.writeFileSync(path.join(dir, 'settings.yaml'), settings);
  // At exit, the preload looks for the package's files among the modules Node's require() has loaded.
  const preload = path.join(dir, 'preload.mjs');
  fs.writeFileSync(
    preload,
    "import { createRequire } from 'node:module';\nconst cache = createRequire(import.meta.url).cache;\n" +
      "process.on('exit', () => process.stderr.write(`YAML-LOADED ${Object.keys(cache).some((k) => k.includes('/node_modules/yaml/'))}\\n`));\n",
  );
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(preload).href, builtBundle(), '--batch', '-r', CAPTURE], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  const m = /YAML-LOADED (true|false)/.exec(r.stderr);
  if (!m) throw new Error(`no answer from the preload; stderr: ${r.stderr}`);
  return { loaded: m[1] === 'true', stdout: r.stdout, code: r.status };
}

describe('the yaml package is loaded only when needed', () => {
  const shipped = fs.readFileSync(path.join(ROOT, 'settings.yaml'), 'utf8');

  it('is not loaded for the shipped settings.yaml and rules.yaml, and is for a file the quick reader gives up on', () => {
    const plain = run(shipped);
    expect(plain.code).toBe(0);
    expect(plain.loaded).toBe(false);
    // A YAML directive: valid, the same settings, but only the yaml package reads it.
    const directive = run(`%YAML 1.2\n---\n${shipped}`);
    expect(directive.code).toBe(0);
    expect(directive.loaded).toBe(true);
    expect(directive.stdout).toBe(plain.stdout);
    expect(plain.stdout).toMatch(/SQL_INJECTION/);
  });
});
