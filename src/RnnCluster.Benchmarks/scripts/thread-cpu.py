#!/usr/bin/env python3
"""Per-thread CPU time of running processes over 25 s (Linux /proc/PID/task).
Usage: python3 thread-cpu.py $(pgrep -f "rnncluster.dll node")
Prints, per process, its total CPU seconds and its busiest threads (name, seconds, last CPU)."""
import os,sys,time,collections
def snap(pid):
    d={}
    for t in os.listdir(f"/proc/{pid}/task"):
        try:
            s=open(f"/proc/{pid}/task/{t}/stat").read()
        except: continue
        name=s[s.index('(')+1:s.rindex(')')]
        f=s[s.rindex(')')+2:].split()
        d[t]=(name,(int(f[11])+int(f[12]))/100.0,int(f[36]))
    return d
pids=sys.argv[1:]
a={p:snap(p) for p in pids}
time.sleep(25)
b={p:snap(p) for p in pids}
for p in pids:
    cmd=open(f"/proc/{p}/cmdline").read().replace('\0',' ')[60:140]
    rows=[(b[p][t][1]-a[p].get(t,(0,0))[1],b[p][t][0],b[p][t][2]) for t in b[p]]
    rows.sort(reverse=True)
    tot=sum(r[0] for r in rows)
    print(p,cmd,f"total {tot:.2f}s/25s")
    for r in rows[:7]:
        if r[0]>0: print(f"   {r[1]:20s} {r[0]:.2f}s cpu{r[2]}")
