#!/usr/bin/env python3
# Per-function instruction counts of a callgrind run of node with --perf-basic-prof: JIT code named through /tmp/perf-PID.map.
#
#   cgjit.py CALLGRIND_OUT PERF_MAP [N] [CALLEE_SUBSTRING...]
# Prints the N functions with the most self instructions (JIT code by its perf-map name), then for each
# CALLEE_SUBSTRING the callers of matching functions with the instructions spent in those calls.
import bisect, re, sys, collections

out, mapf = sys.argv[1], sys.argv[2]
top = int(sys.argv[3]) if len(sys.argv) > 3 else 40
callees = sys.argv[4:]

starts, ends, names = [], [], []
for line in open(mapf):
    a, s, n = line.rstrip('\n').split(' ', 2)
    starts.append(int(a, 16)); ends.append(int(a, 16) + int(s, 16)); names.append(n)
order = sorted(range(len(starts)), key=lambda i: starts[i])
starts = [starts[i] for i in order]; ends = [ends[i] for i in order]; names = [names[i] for i in order]

def jitname(addr):
    i = bisect.bisect_right(starts, addr) - 1
    if i >= 0 and addr < ends[i]: return names[i]
    return None

fnames = {}
def name_of(spec):
    m = re.match(r'\((\d+)\)(?: (.*))?', spec)
    if m:
        if m.group(2) is not None: fnames[m.group(1)] = m.group(2)
        return fnames.get(m.group(1), spec)
    return spec

self_cost = collections.Counter()
call_cost = collections.defaultdict(collections.Counter)
fn = None; cfn = None; in_call = False; last_addr = 0
unknown = re.compile(r'^0x[0-9a-f]+$')

def resolve(f, addr):
    if f is not None and unknown.match(f):
        return jitname(addr) or f
    return f

for line in open(out):
    if line.startswith('fn='):
        fn = name_of(line[3:].strip()); continue
    if line.startswith('cfn='):
        cfn = name_of(line[4:].strip()); continue
    if line.startswith('calls='):
        in_call = True; continue
    if not line or not (line[0].isdigit() or line[0] in '+-*'):
        continue
    parts = line.split()
    a = parts[0]
    if a.startswith('0x'): addr = int(a, 16)
    elif a.startswith('+'): addr = last_addr + int(a[1:], 0)
    elif a.startswith('-'): addr = last_addr - int(a[1:], 0)
    elif a == '*': addr = last_addr
    else: addr = int(a, 16) if a.startswith('0x') else last_addr
    last_addr = addr
    cost = int(parts[-1]) if len(parts) > 1 else 0
    caller = resolve(fn, addr)
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
