// The batched file writer under the JSONL and text logs: records keep their order, records pushed while a
// write is in flight go out together in the next write (not one write per batch piling up), flush() and
// close() leave nothing queued, a failed write stops the file and counts every record after it, and a
// batch far larger than one write piece lands whole.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendText, BatchWriter, LineFile } from '../../src/alert/sinks/batch-writer.js';
import { JsonlSink, TextLogSink } from '../../src/alert/sinks/index.js';
import type { Alert } from '../../src/alert/types.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'ng-batch-'));

function alert(n: number): Alert {
  const ts = new Date(Date.UTC(2026, 10, 20, 12, 0, 0) + n).toISOString();
  return { id: `a-${n}`, timestamp: ts, last_seen: ts, type: 'SQL_INJECTION', severity: 'HIGH', message: `m ${n}`, src_ip: '10.0.0.1', details: { n }, count: 1 };
}

describe('BatchWriter', () => {
  it('writes records in the order pushed; those pushed during a write go out together in the next one', async () => {
    const writes: number[][] = [];
    let release: () => void = () => undefined;
    const w = new BatchWriter<number>(
      (chunk) => {
        writes.push(chunk);
        // The first write stays in flight until released.
        return writes.length === 1 ? new Promise<void>((r) => (release = r)) : Promise.resolve();
      },
      10_000,
      3,
    );
    for (let i = 0; i < 3; i++) w.push(i); // the third starts a write
    await Promise.resolve();
    await Promise.resolve();
    expect(writes).toEqual([[0, 1, 2]]);
    // 3 .. 11: three times the batch size while the first write is in flight.
    for (let i = 3; i < 12; i++) w.push(i);
    expect(w.pending).toBe(9);
    release();
    await w.flush();
    expect(writes).toEqual([
      [0, 1, 2],
      [3, 4, 5, 6, 7, 8, 9, 10, 11],
    ]);
    expect(w.pending).toBe(0);
  });

  it('flush() awaits every record pushed before it, also those waiting behind a write in flight', async () => {
    const got: number[] = [];
    const w = new BatchWriter<number>(async (chunk) => {
      await new Promise((r) => setTimeout(r, 5));
      got.push(...chunk);
    }, 10_000, 2);
    for (let i = 0; i < 7; i++) w.push(i);
    await w.flush();
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('after a failed write the file is not written again and every later record is counted as lost', async () => {
    let calls = 0;
    const lost: number[] = [];
    const w = new BatchWriter<string>(() => {
      calls++;
      return Promise.reject(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
    }, 10_000, 2);
    w.onLost = (_e, n) => lost.push(n);
    w.push('a');
    w.push('b');
    await w.flush();
    w.push('c');
    w.push('d');
    await w.flush();
    expect(calls).toBe(1);
    expect(w.lastError?.message).toMatch(/ENOSPC/);
    expect(lost).toEqual([2, 1, 1]);
  });
});

describe('appendText', () => {
  it('appends a text far larger than one write piece, whole and in order, after what the file held', async () => {
    const f = path.join(tmp(), 'big.log');
    await appendText(f, 'first\n');
    const line = 'x'.repeat(99) + '\n';
    const big = Array.from({ length: 30_000 }, (_, i) => `${i} ${line}`).join('');
    await appendText(f, big);
    expect(readFileSync(f, 'utf8')).toBe('first\n' + big);
  });

  it('names the file that cannot be opened', async () => {
    await expect(appendText(path.join(tmp(), 'no-such-dir', 'a.log'), 'x')).rejects.toThrow(/ENOENT.*no-such-dir/);
  });
});

describe('LineFile', () => {
  it('appends the bytes Buffer.from gives the joined text: multi-byte characters, surrogate pairs, lone surrogates, empty lines', async () => {
    const f = path.join(tmp(), 'a.log');
    const lines = ['plain', 'caf\u00e9 \u2603', 'pair \u{1F600} end', 'lone \ud800 high', 'lone \udc00 low', '', 'x'.repeat(10)];
    const out = new LineFile(f);
    await out.append(lines.length, (i) => lines[i], true);
    await out.append(lines.length, (i) => lines[i], false);
    await out.append(0, (i) => lines[i], true);
    const want = Buffer.from(lines.map((l) => l + '\n').join('') + lines.join(''), 'utf8');
    expect(Buffer.compare(readFileSync(f), want)).toBe(0);
  });

  it('a batch of many buffers, with three-byte characters and lines longer than the buffer, lands whole and in order', async () => {
    const f = path.join(tmp(), 'big.log');
    // 3 MB of lines in three-byte characters (the buffer is 1 MB), and two lines of 2 MB each.
    const lines = Array.from({ length: 30_000 }, (_, i) => `${i} ` + '\u20ac'.repeat(33));
    lines.splice(100, 0, 'a'.repeat(2_000_000));
    lines.push('\u20ac'.repeat(700_000));
    const out = new LineFile(f);
    await out.append(lines.length, (i) => lines[i], true);
    await out.append(1, () => 'short', true);
    expect(readFileSync(f, 'utf8')).toBe(lines.join('\n') + '\nshort\n');
  });

  it('names the file that cannot be opened', async () => {
    await expect(new LineFile(path.join(tmp(), 'no-such-dir', 'a.log')).append(1, () => 'x', true)).rejects.toThrow(/ENOENT.*no-such-dir/);
  });
});

describe('JSONL and text log under a flood', () => {
  it('20,000 alerts pushed with no pause: every text line and the newest max_log_entries JSON lines, in order, after close()', async () => {
    const dir = tmp();
    const j = new JsonlSink(path.join(dir, 'alerts.json'), 1000, 50);
    const t = new TextLogSink(path.join(dir, 'alerts.log'), 50);
    for (let i = 1; i <= 20_000; i++) {
      const a = alert(i);
      j.onAlert(a);
      t.onAlert(a);
      // A turn of the event loop now and then, as between capture callbacks.
      if (i % 3000 === 0) await new Promise((r) => setImmediate(r));
    }
    await Promise.all([j.close(), t.close()]);
    const json = readFileSync(path.join(dir, 'alerts.json'), 'utf8').trim().split('\n');
    expect(json).toHaveLength(1000);
    expect(json.map((l) => (JSON.parse(l) as Alert).id)).toEqual(Array.from({ length: 1000 }, (_, k) => `a-${19_001 + k}`));
    expect(json[999]).toBe(JSON.stringify(alert(20_000)));
    const text = readFileSync(path.join(dir, 'alerts.log'), 'utf8').trim().split('\n');
    expect(text).toHaveLength(20_000);
    expect(text[0]).toBe('2026-11-20T12:00:00.001Z [HIGH] SQL_INJECTION 10.0.0.1: m 1');
    expect(text[19_999]).toBe('2026-11-20T12:00:20.000Z [HIGH] SQL_INJECTION 10.0.0.1: m 20000');
  });

  it('an alert whose details JSON cannot express is left out of the JSONL log, the others written', async () => {
    const f = path.join(tmp(), 'alerts.json');
    const j = new JsonlSink(f, 1000, 50);
    j.onAlert(alert(1));
    j.onAlert({ ...alert(2), details: { big: 1n } });
    j.onAlert(alert(3));
    await j.close();
    expect(j.lastError).toBeNull();
    expect(readFileSync(f, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as Alert).id)).toEqual(['a-1', 'a-3']);
  });
});
