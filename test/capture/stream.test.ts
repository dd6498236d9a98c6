// Reading from stdin and other streams, streaming in bounded memory, stop(), realtime pacing, and the
// permission error, each through the public openFile/openStream API.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { openFile, openStream } from '../../src/capture/index.js';
import { requireRoot } from '../helpers/netns.js';
import { ROOT } from '../helpers/netguard.js';
import { corpusFile, frame, pcapBytes, readAll, tmpDir } from './helpers.js';

const dir = tmpDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const FIXTURE = path.join(ROOT, 'test/fixtures/capture/read-file.ts');
const TSX = path.join(ROOT, 'node_modules/tsx/dist/esm/index.mjs');

interface FixtureOut {
  packets: number;
  digest: string;
  warnings: string[];
  error: { code: string; message: string } | null;
  format: string | null;
}

function runFixture(args: string[], stdin?: Buffer, user?: string): Promise<FixtureOut> {
  const argv = [process.execPath, '--import', TSX, FIXTURE, ...args];
  const [cmd, ...rest] = user ? ['runuser', '-u', user, '--', ...argv] : argv;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, rest, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdin.on('error', () => undefined);
    if (stdin) {
      // Write in pieces so the reader sees several chunks, as from a pipe.
      let off = 0;
      const step = () => {
        if (off >= stdin.length) return child.stdin.end();
        const piece = stdin.subarray(off, off + 5000);
        off += piece.length;
        if (child.stdin.write(piece)) setImmediate(step);
        else child.stdin.once('drain', step);
      };
      step();
    } else child.stdin.end();
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`fixture exited ${code}: ${err}`));
      resolve(JSON.parse(out) as FixtureOut);
    });
  });
}

describe('stdin', () => {
  for (const rel of ['ndpi/synscan.pcap', 'chrissanders-packets/synscan.pcapng', 'ndpi/fuzz-2021-10-13.pcap']) {
    it(`"-" reads ${rel} piped to stdin exactly as the file`, async () => {
      const fromFile = await runFixture([corpusFile(rel)]);
      const fromStdin = await runFixture(['-'], fs.readFileSync(corpusFile(rel)));
      expect(fromStdin.error).toBeNull();
      expect(fromStdin.packets).toBe(fromFile.packets);
      expect(fromStdin.digest).toBe(fromFile.digest);
      expect(fromStdin.warnings).toEqual(fromFile.warnings.map((w) => w.replace(corpusFile(rel), 'stdin')));
    });
  }

  it('"-" with something that is not a capture says so, naming stdin', async () => {
    const r = await runFixture(['-'], Buffer.from('hello world\n'));
    expect(r.error).toEqual({ code: 'EFORMAT', message: 'stdin is not a pcap or pcapng file (starts with 0x68656c6c)' });
  });

  it('"-" with empty input says it is empty', async () => {
    const r = await runFixture(['-'], Buffer.alloc(0));
    expect(r.error).toEqual({ code: 'EFORMAT', message: 'stdin is empty, not a pcap or pcapng file' });
  });
});

describe('streams', () => {
  it('a stream written a few bytes at a time gives the same packets as the file', async () => {
    const bytes = fs.readFileSync(corpusFile('zeek/pcapng-multi-interface.pcapng'));
    const pt = new PassThrough();
    const reading = readAll(openStream(pt, 'pipe'));
    for (let i = 0; i < bytes.length; i += 7) {
      pt.write(bytes.subarray(i, i + 7));
      await new Promise((r) => setImmediate(r));
    }
    pt.end();
    const got = await reading;
    const want = await readAll(openFile(corpusFile('zeek/pcapng-multi-interface.pcapng')));
    expect(got.error).toBeNull();
    expect(got.packets).toEqual(want.packets);
  });

  it('a 64 MiB capture is streamed: the first packet arrives after at most 2 MiB were read', async () => {
    const header = pcapBytes({}, []);
    const rec = pcapBytes({}, [{ sec: 1, frac: 0, data: frame(1000) }]).subarray(24);
    const total = Math.floor((64 << 20) / rec.length);
    let made = 0;
    let pulled = 0;
    const gen = new Readable({
      read() {
        if (made === 0) {
          this.push(header);
          pulled += header.length;
        }
        if (made >= total) return this.push(null);
        const batch = Buffer.concat(Array.from({ length: 64 }, () => rec));
        made += 64;
        pulled += batch.length;
        this.push(batch);
      },
    });
    const src = openStream(gen, 'generated');
    let pulledAtFirst = -1;
    let n = 0;
    await src.run(() => {
      if (n++ === 0) pulledAtFirst = pulled;
    });
    expect(n).toBe(made);
    expect(pulledAtFirst).toBeGreaterThan(0);
    expect(pulledAtFirst).toBeLessThan(2 << 20);
    expect(src.bytesRead).toBe(pulled);
  });
});

describe('stop()', () => {
  it('stop() from inside onPacket ends the file at once and run() resolves', async () => {
    const src = openFile(corpusFile('ndpi/synscan.pcap'));
    let n = 0;
    await src.run(() => {
      if (++n === 10) src.stop();
    });
    expect(n).toBe(10);
    expect(src.warnings).toEqual([]);
  });

  it('stop() ends a stdin-like stream that never ends', async () => {
    const pt = new PassThrough();
    pt.write(pcapBytes({}, [{ sec: 1, frac: 0, data: frame(10) }]));
    const src = openStream(pt, 'pipe');
    let n = 0;
    const done = src.run(() => n++);
    await new Promise((r) => setTimeout(r, 50));
    src.stop();
    await done;
    expect(n).toBe(1);
  });
});

describe('realtime replay', () => {
  it('paces packets by their own timestamps', async () => {
    const f = path.join(dir, 'paced.pcap');
    // Four packets 150 ms apart.
    fs.writeFileSync(f, pcapBytes({}, [0, 150_000, 300_000, 450_000].map((us) => ({ sec: 1000, frac: us, data: frame(10) }))));
    const t0 = Date.now();
    const arrivals: number[] = [];
    await openFile(f, { realtime: true }).run(() => arrivals.push(Date.now() - t0));
    expect(arrivals).toHaveLength(4);
    expect(arrivals[3]).toBeGreaterThanOrEqual(440);
    expect(arrivals[3]).toBeLessThan(3000);
    for (let i = 1; i < 4; i++) expect(arrivals[i] - arrivals[i - 1]).toBeGreaterThanOrEqual(100);
  });

  it('shortens long gaps to maxGapMs, and stop() interrupts a wait', async () => {
    const f = path.join(dir, 'gappy.pcap');
    fs.writeFileSync(f, pcapBytes({}, [0, 3600, 7200].map((s) => ({ sec: 1000 + s, frac: 0, data: frame(10) }))));
    const t0 = Date.now();
    let n = 0;
    await openFile(f, { realtime: true, maxGapMs: 100 }).run(() => n++);
    expect(n).toBe(3);
    expect(Date.now() - t0).toBeLessThan(2000);

    const src = openFile(f, { realtime: true });
    const t1 = Date.now();
    const done = src.run(() => undefined);
    setTimeout(() => src.stop(), 100);
    await done;
    expect(Date.now() - t1).toBeLessThan(2000);
  });
});

describe('permission', () => {
  it('a file the user may not read: EACCES', async () => {
    requireRoot(); // to run the reader as "nobody"
    if (spawnSync('id', ['-u', 'nobody']).status !== 0) throw new Error('this test needs the "nobody" user');
    const f = path.join(dir, 'secret.pcap');
    fs.copyFileSync(corpusFile('tcpdump/dns_udp.pcap'), f);
    fs.chmodSync(f, 0o600);
    fs.chmodSync(dir, 0o755);
    const r = await runFixture([f], undefined, 'nobody');
    expect(r.error).toEqual({ code: 'EACCES', message: `cannot read capture file ${f}: permission denied` });
  });
});
