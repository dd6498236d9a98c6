// The V8 settings NetGuard's packet path runs with, applied by applyV8Flags() just before the first packet.
//
// The first two shorten the JIT warm-up of a run, which for a file read is a large part of the whole: over the
// benchmark's 1,000,000 packets, the first 20,000 took about 0.14 of 0.60 CPU seconds, interpreted
// while V8's optimizing compiler worked (measured per 5,000 packets; the rest ran at 0.4 us each).
//
// --no-lazy-feedback-allocation  Functions record type feedback from their first call, not only once
//     their first calls have used up a small budget. Lazily, a branch taken only on the first calls
//     (the first packet starts the trackers' once-a-second expiry sweep) looked never-taken to the
//     optimizer, so its next turn, a second of packet time later, threw the optimized code of three
//     trackers away and compiled it again: the bench's flow stage had 5 deoptimizations and 86
//     compilations, with this 2 and 81.
// --always-sparkplug  Baseline machine code from a function's first call, instead of the bytecode
//     interpreter until it is warm: the packets before the optimizing compiler is done run faster.
// --no-use-osr  Less work for TurboFan, which is a fifth of a cold run's instructions (cachegrind,
//     `--batch -r` of the benign 1 M bench mix: 3.31 of 16.56 G): on-stack replacement compiled the capture
//     reader's loop once more while its function is compiled anyway at its next call (each call reads one
//     chunk). Compiler 3.31 -> 3.09 G; the code it makes runs the same (JIT code and builtins 10.36 -> 10.37 G).
//     Measured and not kept: --no-turbo-escape (compiler 0.12 G less again, but without escape analysis
//     the warm run allocates 75 bytes a packet instead of 45: payload inspection's verdicts and the
//     engine's inlined temporaries are no longer kept off the heap); --max-inlined-bytecode-size=230
//     (compiler -0.41 G, but the run's own code 1.3% more for as long as it runs, and a live capture runs
//     warm); --no-turbo-loop-peeling (compiler -0.44 G, run +0.30 G); --maglev (no change on Node 20).
//
// Applied with v8.setFlagsFromString before the first packet (src/cli/run.ts's pump, which every mode and
// the bench's pipeline runs use; the bench's stage children call it first thing), so every function of the
// packet path is first called under them (measured the same as passing them to `node`). Not earlier: the
// start-up before it (loading modules, building the zod schemas, parsing settings and rules, the engine's
// tables) runs once, where a baseline compile and a feedback vector for every function called only cost:
// applying them at the first packet instead of at the start took a tiny `--batch -r` (11 packets) from
// 0.59 to 0.55 CPU s (pinned, 7 pairs, under load).
//
// One more setting is V8's state rather than a flag: Node makes the Buffers its C++ side returns (a hash
// digest, a child's output) as Uint8Arrays whose prototype it then sets to Buffer's, and the first such
// change in a process ends the "stable" status of the Uint8Array map, throwing away every optimized
// function that relied on it: on the bench's benign mix, 51 functions of the packet path at the first
// alert with ports (its Community ID digest), 400,000 packets in. settleTypedArrayMap makes that change
// here, before anything is optimized, so no later first Buffer (whichever code makes it) costs a
// recompilation of the packet path.
import { createHash } from 'node:crypto';
import v8 from 'node:v8';

export const V8_FLAGS: readonly string[] = ['--no-lazy-feedback-allocation', '--always-sparkplug', '--no-use-osr'];

/**
 * Node options for a process that may use only one CPU, given when Node starts (they cannot be set
 * later): bin/netguard adds them when `nproc` says 1, and the bench's one-core runs use them too.
 * --single-threaded: V8 compiles and collects garbage on the main thread instead of helper threads that
 * would only take turns with it (bench flow stage: 2.8% less CPU cold, 2% warm).
 */
export const ONE_CPU_NODE_FLAGS: readonly string[] = ['--single-threaded'];

/** Makes one Buffer on Node's C++ side, so the Uint8Array map's one change happens now (see above). */
export function settleTypedArrayMap(): void {
  createHash('sha1').update('netguard').digest();
}

let applied = false;

/** Applies V8_FLAGS and settles the Uint8Array map, once per process: call it before the first packet. */
export function applyV8Flags(): void {
  if (applied) return;
  applied = true;
  for (const flag of V8_FLAGS) v8.setFlagsFromString(flag);
  settleTypedArrayMap();
}
