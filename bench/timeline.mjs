// CPU time per STEP packets of one `--batch -r` run through the CLI's wiring (tsc's dist/src), then the close:
// where a run's time goes along the capture (the JIT warm-up at its start, a storm's first alerts, the steady rate).
//
// Why: a run's total hides that its first tens of thousands of packets cost as much as the rest (the code is
// compiled meanwhile): the 2026-12-07 rounds found the benign mix's first 50,000 packets at 0.78 CPU s against
// 0.08 per 50,000 once warm, and the alert storm's first 1,250 packets (its 906 alerts raised in cold code)
// at about 0.4 s of 1.6. Timed, so the host's load shows in it: compare builds by instruction count.
//
//   cd DIR_WITH_SETTINGS && taskset -c 1 node --single-threaded ROOT/bench/timeline.mjs CAPTURE [STEP]
//   prints: per STEP: s s s ... | rest s close s total s
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { wire, parseArgs } = await import(path.join(root, 'dist/src/cli/index.js'));
const [capture, stepArg] = process.argv.slice(2);
if (!capture) {
  process.stderr.write('usage: node bench/timeline.mjs CAPTURE [STEP]\n');
  process.exit(2);
}
const step = Number(stepArg ?? 5000);
const run = await wire(parseArgs(['--batch', '-r', capture]), 'batch');
const cpu = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};
const marks = [];
let n = 0;
let last = cpu();
const c0 = last;
// The engine's packet taps (private: a measurement reaches into it) see every packet after the detectors.
run.engine.taps.push(() => {
  if (++n % step === 0) {
    const t = cpu();
    marks.push((t - last).toFixed(3));
    last = t;
  }
});
await run.pump();
const t1 = cpu();
await run.close();
console.log(`per ${step}: ${marks.join(' ')} | rest ${(t1 - last).toFixed(3)} close ${(cpu() - t1).toFixed(3)} total ${(cpu() - c0).toFixed(3)}`);
