#!/usr/bin/env python3
# cgcalls.py CALLGRIND_OUT PERF_MAP CALLEE_SUBSTRING [N]: callers of matching functions (JIT code named through
# the perf map), with call counts and the instructions spent in those calls.
import bisect,re,sys,collections
out,mapf,sub=sys.argv[1],sys.argv[2],sys.argv[3]; N=int(sys.argv[4]) if len(sys.argv)>4 else 40
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
fn=cfn=None; pend=None; last=0
calls=collections.Counter(); incl=collections.Counter()
for line in open(out):
    if line.startswith('fn='): fn=nm(line[3:].strip()); continue
    if line.startswith('cfn='): cfn=nm(line[4:].strip()); continue
    if line.startswith('calls='): pend=int(line[6:].split()[0]); continue
    c=line[:1]
    if c and c in '0123456789+-*':
        a=line.split()[0]
        if a.startswith('0x'): last=int(a,16)
        elif a.startswith('+'): last+=int(a[1:],0)
        elif a.startswith('-'): last-=int(a[1:],0)
        if pend is not None:
            if cfn and sub in cfn:
                caller=fn
                if re.match(r'^0x[0-9a-f]+',fn or ''): caller=jit(last) or fn
                calls[(caller,cfn)]+=pend; incl[(caller,cfn)]+=int(line.split()[-1])
            pend=None
for k,v in incl.most_common(N): print(f'{v/1e6:8.2f} M {calls[k]:9d}  {k[0]} -> {k[1]}')
