#!/usr/bin/env python3
# Per-function instruction counts of a callgrind run of node with --perf-basic-prof: JIT code named through /tmp/perf-PID.map.
#
#   cgjit.py CALLGRIND_OUT PERF_MAP [N] [CALLEE_SUBSTRING...]
# Prints the N functions with the most self instructions (JIT code by its perf-map name), then for each
# CALLEE_SUBSTRING the callers of matching functions with the instructions spent in those calls.
import collections, sys
from callgrind_perf import PerfMap, Names, UNKNOWN, cost_lines

out, mapf = sys.argv[1], sys.argv[2]
top = int(sys.argv[3]) if len(sys.argv) > 3 else 40
callees = sys.argv[4:]

jit, name_of = PerfMap(mapf), Names()
self_cost = collections.Counter()
call_cost = collections.defaultdict(collections.Counter)
fn = None; cfn = None; in_call = False

for kind, value, addr, cost in cost_lines(out):
    if kind == 'fn': fn = name_of(value); continue
    if kind == 'cfn': cfn = name_of(value); continue
    if kind == 'calls': in_call = True; continue
    caller = (jit.name(addr) or fn) if fn is not None and UNKNOWN.match(fn) else fn
    if in_call:
        call_cost[cfn][caller] += cost
        in_call = False
    else:
        self_cost[caller] += cost

tot = sum(self_cost.values())
print(f'total {tot/1e6:.1f} M')
for n, c in self_cost.most_common(top):
    print(f'{c/1e6:10.2f} M  {n}')
for sub in callees:
    print(f'\n== callers of *{sub}*')
    agg = collections.Counter()
    for callee, callers in call_cost.items():
        if callee and sub in callee:
            for k, v in callers.items(): agg[(callee, k)] += v
    for (callee, k), v in agg.most_common(40):
        print(f'{v/1e6:10.2f} M  {k}  -> {callee}')
