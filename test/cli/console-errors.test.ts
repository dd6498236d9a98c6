// `netguard console` refuses what it cannot work with in one line each: no --redis, a URL that is not
// redis://, and a history database it cannot create (exit 1, naming the file, nothing read from Redis).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNetguard } from '../helpers/netguard.js';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ng-console-errors-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('netguard console on bad input', () => {
  it('without --redis: usage error, exit 2', async () => {
    const r = await runNetguard(['console'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual(["netguard console: required option '--redis <url>' not specified (see netguard console --help)"]);
  });

  it('a URL that is not redis://: usage error naming the scheme, exit 2', async () => {
    const r = await runNetguard(['console', '--redis', 'http://127.0.0.1:6379/k'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--redis takes redis://HOST:PORT/KEY (got "http://127.0.0.1:6379/k": scheme http: is not redis:)');
  });

  it('a database in a directory that does not exist: one line naming it, exit 1, before any Redis connection', async () => {
    const db = path.join(dir, 'no-such-dir', 'all.db');
    // Port 1 on loopback: nothing listens; the console must stop on the database before trying Redis.
    const r = await runNetguard(['console', '--redis', 'redis://127.0.0.1:1/k', '--db', db], { cwd: dir });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^netguard console: cannot store into ${db.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: .*directory does not exist.*; nothing was read from Redis$`));
    expect(r.stderr).not.toContain('other outputs continue');
    expect(r.stderr).not.toContain('ECONNREFUSED');
  });
});
