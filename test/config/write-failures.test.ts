// WriteFailures names a file once with the errno in words, counts what each output lost, and the JSONL
// sink stops writing a file after a failed write (no later lines after an unseen gap), counting the rest.
import { describe, it, expect } from 'vitest';
import path from 'node:path';
import { WriteFailures, whyNotWritten } from '../../src/config/index.js';
import { JsonlSink } from '../../src/alert/sinks/index.js';
import type { Alert } from '../../src/alert/types.js';
import { tempDirs } from '../helpers/temp-dir.js';

const tempDir = tempDirs('ng-wf-');

function alert(n: number): Alert {
  return { id: `t-${n}`, timestamp: '2026-01-01T00:00:00.000Z', type: 'SYN_SCAN', severity: 'HIGH', message: 'm', details: {}, count: 1, last_seen: '2026-01-01T00:00:00.000Z' };
}

describe('whyNotWritten', () => {
  it('says the errno in words, with the code; a temporary file name in the message is not repeated', () => {
    const e = Object.assign(new Error("EROFS: read-only file system, open '.ip_reputation.json.tmp-26608-1'"), { code: 'EROFS' });
    expect(whyNotWritten(e)).toBe('read-only file system (EROFS)');
    expect(whyNotWritten(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }))).toBe('no space left on device (ENOSPC)');
    expect(whyNotWritten(Object.assign(new Error('EXDEV: cross-device link not permitted, rename'), { code: 'EXDEV' }))).toBe('cross-device link not permitted (EXDEV)');
    expect(whyNotWritten(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }))).toBe('no space left on device (SQLITE_FULL)');
  });
});

describe('WriteFailures', () => {
  it('one line per file, counts per unit, and a state saved later is no longer lost', () => {
    const said: string[] = [];
    const f = new WriteFailures((l) => said.push(l));
    const enospc = Object.assign(new Error('x'), { code: 'ENOSPC' });
    f.fail('./alerts.json', enospc, { after: 'alerts from now on are not saved there', lost: 2, unit: 'alert' });
    f.fail('./alerts.json', enospc, { after: 'alerts from now on are not saved there', lost: 1, unit: 'alert' });
    f.lose('./alerts.json', 4, 'alert');
    f.lose('never-failed.json', 9, 'alert');
    expect(said).toEqual(['cannot write alerts.json: no space left on device (ENOSPC); alerts from now on are not saved there']);
    expect(f.summary()).toBe('alerts.json (7 alerts)');
    expect(f.anyLost).toBe(true);

    const g = new WriteFailures(() => undefined);
    g.fail('state.json', enospc, { after: 'not saved', unsaved: 'scores not saved' });
    expect(g.anyLost).toBe(true);
    g.saved('state.json');
    expect(g.anyLost).toBe(false);
    expect(g.summary()).toBe('');
  });
});

describe('JsonlSink on a file it cannot write', () => {
  it('names the file once, then counts every later alert instead of writing it', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'no-such-dir', 'alerts.json');
    const said: string[] = [];
    const failures = new WriteFailures((l) => said.push(l));
    const s = new JsonlSink(file, 1000, 5, failures);
    s.onAlert(alert(1));
    s.onAlert(alert(2));
    await s.flush();
    s.onAlert(alert(3));
    await s.flush();
    expect(said).toEqual([`cannot write ${file}: no such file or directory (ENOENT); alerts from now on are not saved there`]);
    expect(failures.summary()).toBe(`${file} (3 alert records)`);
  });
});
