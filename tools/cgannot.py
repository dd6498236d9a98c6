#!/usr/bin/env python3
# cgannot.py CALLGRIND_OUT PERF_MAP NAME_SUBSTRING PRINT_OPT_CODE_FILE: the optimized code of one JIT function
# (from node --print-opt-code of a run with the same flags) with each instruction's execution count from callgrind.
import collections, re, sys
from callgrind_perf import PerfMap, cost_lines
out, mapf, sub, codef = sys.argv[1:5]
lo, hi = PerfMap(mapf).span(sub)
if lo is None: sys.exit(f'cgannot.py: no optimized function named *{sub}* in {mapf}')
pend = False
cnt = collections.Counter(); callc = collections.Counter()
for kind, value, addr, cost in cost_lines(out):
    if kind == 'calls': pend = True; continue
    if kind != 'cost': continue
    if lo <= addr < hi:
        if pend: callc[addr - lo] += cost
        else: cnt[addr - lo] += cost
    pend = False
started=False
for l in open(codef):
    m=re.match(r'^0x[0-9a-f]+\s+([0-9a-f]+)\s+\S+\s+(.*)',l)
    if m:
        off=int(m.group(1),16)
        extra=f'  [call incl {callc[off]/1e6:.2f} M]' if off in callc else ''
        print(f'{cnt.get(off,0):9d} {off:5x}  {m.group(2)[:110]}{extra}')
    elif l.startswith('Inlined functions') or l.startswith('--- End code'):
        if started: break
    if l.startswith('Instructions'): started=True
