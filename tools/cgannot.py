#!/usr/bin/env python3
# cgannot.py CALLGRIND_OUT PERF_MAP NAME_SUBSTRING PRINT_OPT_CODE_FILE: the optimized code of one JIT function
# (from node --print-opt-code of a run with the same flags) with each instruction's execution count from callgrind.
import re,sys,collections
out,mapf,sub,codef=sys.argv[1:5]
lo=hi=None
for l in open(mapf):
    a,s,n=l.rstrip('\n').split(' ',2)
    if n.startswith('JS:*') and sub in n: lo=int(a,16); hi=lo+int(s,16)
names={}; fn=None; last=0; pend=False
cnt=collections.Counter(); callc=collections.Counter()
for line in open(out):
    if line.startswith(('fn=','cfn=')): continue
    if line.startswith('calls='): pend=True; continue
    c=line[:1]
    if c and c in '0123456789+-*':
        a=line.split()[0]
        if a.startswith('0x'): last=int(a,16)
        elif a.startswith('+'): last+=int(a[1:],0)
        elif a.startswith('-'): last-=int(a[1:],0)
        if lo<=last<hi:
            if pend: callc[last-lo]+=int(line.split()[-1])
            else: cnt[last-lo]+=int(line.split()[-1])
        pend=False
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
