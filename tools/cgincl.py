#!/usr/bin/env python3
# cgincl.py CALLGRIND_OUT PERF_MAP [N] [FILTER]: inclusive instructions per callee (JIT code named through the perf
# map, by the call's target address), summed over its call sites, with the call count. Recursion counts twice.
import bisect,re,sys,collections
out,mapf=sys.argv[1],sys.argv[2]; N=int(sys.argv[3]) if len(sys.argv)>3 else 50; flt=sys.argv[4] if len(sys.argv)>4 else ''
st=[];en=[];na=[]
for l in open(mapf):
    a,s,n=l.rstrip('\n').split(' ',2); st.append(int(a,16)); en.append(int(a,16)+int(s,16)); na.append(n)
o=sorted(range(len(st)),key=lambda i:st[i]); st=[st[i] for i in o]; en=[en[i] for i in o]; na=[na[i] for i in o]
def jit(a):
    i=bisect.bisect_right(st,a)-1
    return na[i] if i>=0 and a<en[i] else None
names={}
def nm(s):
    m=re.match(r'\((\d+)\)(?: (.*))?',s)
    if m:
        if m.group(2): names[m.group(1)]=m.group(2)
        return names.get(m.group(1),s)
    return s
cfn=None; pend=None; tgt=None
incl=collections.Counter(); calls=collections.Counter()
for line in open(out):
    if line.startswith('cfn='): cfn=nm(line[4:].strip()); continue
    if line.startswith('fn='): nm(line[3:].strip()); continue
    if line.startswith('calls='):
        p=line[6:].split(); pend=int(p[0]); tgt=int(p[1],16) if p[1].startswith('0x') else None; continue
    if pend is not None and line[:1] in '0123456789+-*' and line[:1]:
        callee=(jit(tgt) if tgt else None) or cfn
        incl[callee]+=int(line.split()[-1]); calls[callee]+=pend; pend=None
for k,v in incl.most_common(100000):
    if flt in (k or ''):
        print(f'{v/1e6:9.2f} M {calls[k]:9d}  {k}'); N-=1
        if N==0: break
