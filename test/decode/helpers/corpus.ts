// Shared by the decoder's robustness tests: every packet of the corpus, and a small seeded PRNG.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CORPUS } from '../../helpers/netguard.js';
import { readCapture } from './read-capture.js';
import type { RawPacket } from '../../../src/capture/types.js';

/** Every packet of every capture listed in the corpus MANIFEST, in order. */
export function corpusPackets(): RawPacket[] {
  const files = readFileSync(path.join(CORPUS, 'MANIFEST.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t')[0]);
  const out: RawPacket[] = [];
  for (const f of files) out.push(...readCapture(path.join(CORPUS, f)).packets);
  return out;
}

/** xorshift32: a small seeded PRNG so a failure can be replayed; numbers in [0, 1). */
export function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}
