#!/usr/bin/env python3
# cgcallees.py CALLGRIND_OUT PERF_MAP CALLER_SUBSTRING [N]: what functions matching CALLER_SUBSTRING (JIT code named
# through the perf map) spend their instructions on: self cost, and each callee with call count and inclusive cost.
import collections, sys
from callgrind_perf import PerfMap, Names, UNKNOWN, cost_lines
out, mapf, sub = sys.argv[1], sys.argv[2], sys.argv[3]
N = int(sys.argv[4]) if len(sys.argv) > 4 else 40
jit, nm = PerfMap(mapf), Names()
fn = cfn = None; pend = None; tgt = None
selfc = 0; calls = collections.Counter(); incl = collections.Counter()
for kind, value, addr, cost in cost_lines(out):
    if kind == 'fn': fn = nm(value); continue
    if kind == 'cfn': cfn = nm(value); continue
    if kind == 'calls':
        p = value.split(); pend = int(p[0]); tgt = int(p[1], 16) if p[1].startswith('0x') else None; continue
    caller = (jit.name(addr) or fn) if fn is not None and UNKNOWN.match(fn) else fn
    if sub not in (caller or ''):
        pend = None; continue
    if pend is not None:
        callee = (jit.name(tgt) if tgt else None) or cfn
        calls[callee] += pend; incl[callee] += cost; pend = None
    else: selfc += cost
print(f'self {selfc/1e6:9.2f} M')
for k, v in incl.most_common(N): print(f'{v/1e6:9.2f} M {calls[k]:9d}  {k}')
