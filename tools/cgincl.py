#!/usr/bin/env python3
# cgincl.py CALLGRIND_OUT PERF_MAP [N] [FILTER]: inclusive instructions per callee (JIT code named through the perf
# map, by the call's target address), summed over its call sites, with the call count. Recursion counts twice.
import collections, sys
from callgrind_perf import PerfMap, Names, cost_lines
out, mapf = sys.argv[1], sys.argv[2]
N = int(sys.argv[3]) if len(sys.argv) > 3 else 50
flt = sys.argv[4] if len(sys.argv) > 4 else ''
jit, nm = PerfMap(mapf), Names()
cfn = None; pend = None; tgt = None
incl = collections.Counter(); calls = collections.Counter()
for kind, value, addr, cost in cost_lines(out):
    if kind == 'cfn': cfn = nm(value)
    elif kind == 'fn': nm(value)
    elif kind == 'calls':
        p = value.split(); pend = int(p[0]); tgt = int(p[1], 16) if p[1].startswith('0x') else None
    elif pend is not None:
        callee = (jit.name(tgt) if tgt else None) or cfn
        incl[callee] += cost; calls[callee] += pend; pend = None
for k, v in incl.most_common():
    if flt in (k or ''):
        print(f'{v/1e6:9.2f} M {calls[k]:9d}  {k}'); N -= 1
        if N == 0: break
