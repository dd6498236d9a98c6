#!/usr/bin/env python3
# cgcalls.py CALLGRIND_OUT PERF_MAP CALLEE_SUBSTRING [N]: callers of matching functions (JIT code named through
# the perf map), with call counts and the instructions spent in those calls.
import collections, sys
from callgrind_perf import PerfMap, Names, UNKNOWN, cost_lines
out, mapf, sub = sys.argv[1], sys.argv[2], sys.argv[3]
N = int(sys.argv[4]) if len(sys.argv) > 4 else 40
jit, nm = PerfMap(mapf), Names()
fn = cfn = None; pend = None
calls = collections.Counter(); incl = collections.Counter()
for kind, value, addr, cost in cost_lines(out):
    if kind == 'fn': fn = nm(value)
    elif kind == 'cfn': cfn = nm(value)
    elif kind == 'calls': pend = int(value.split()[0])
    elif pend is not None:
        if cfn and sub in cfn:
            caller = (jit.name(addr) or fn) if UNKNOWN.match(fn or '') else fn
            calls[(caller, cfn)] += pend; incl[(caller, cfn)] += cost
        pend = None
for k, v in incl.most_common(N): print(f'{v/1e6:8.2f} M {calls[k]:9d}  {k[0]} -> {k[1]}')
