// A capture file's reader waits before each read for what its outputs ask it to wait for (the EVE
// writer's backlog), so a file's outputs never outrun the disk; packets are delivered only after the wait.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { READ_CHUNK, openFile } from '../../src/capture/index.js';
import { frame, pcapBytes, tmpDir } from './helpers.js';

const dir = tmpDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('holdOff', () => {
  it('is asked before each read, and no packet is delivered until its promise settles', async () => {
    // About 3.5 chunks of 1,000-byte frames.
    const count = Math.ceil((3.5 * READ_CHUNK) / 1030);
    const file = path.join(dir, 'big.pcap');
    fs.writeFileSync(file, pcapBytes({}, Array.from({ length: count }, (_, i) => ({ sec: 1_700_000_000 + i, frac: 0, data: frame(1000, i) }))));
    let waiting = false;
    let deliveredWhileWaiting = 0;
    const seenAtAsk: number[] = [];
    let delivered = 0;
    const src = openFile(file, {
      holdOff: () => {
        seenAtAsk.push(delivered);
        // Every other ask makes the reader wait a little.
        if (seenAtAsk.length % 2 === 0) return null;
        waiting = true;
        return new Promise<void>((resolve) =>
          setTimeout(() => {
            waiting = false;
            resolve();
          }, 20),
        );
      },
    });
    await src.run(() => {
      delivered++;
      if (waiting) deliveredWhileWaiting++;
    });
    expect(delivered).toBe(count);
    expect(deliveredWhileWaiting).toBe(0);
    // Asked before each read (the first before any packet), each time with more packets delivered.
    expect(seenAtAsk.length).toBeGreaterThanOrEqual(4);
    expect(seenAtAsk[0]).toBe(0);
    for (let i = 1; i < seenAtAsk.length; i++) expect(seenAtAsk[i]).toBeGreaterThan(seenAtAsk[i - 1]);
    // ...and at least twice between chunks, with part of the file read.
    expect(seenAtAsk.filter((n) => n > 0 && n < count).length).toBeGreaterThanOrEqual(2);
  });
});
