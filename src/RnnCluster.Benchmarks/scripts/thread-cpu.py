#!/usr/bin/env python3
"""Per-thread scheduling of running processes over a window (Linux /proc/PID/task).
Usage: python3 thread-cpu.py [--seconds 25] PID...
       python3 thread-cpu.py --seconds 15 $(pgrep -f "rnncluster.dll node" | grep -v taskset)
Prints, per process, the totals and its busiest threads: seconds on a CPU ("run"), seconds
runnable but waiting for a CPU ("wait", from schedstat), voluntary and involuntary context
switches (a thread that yields while it spins counts involuntary ones), and the last CPU."""
import os, sys, time

def snap(pid):
    threads = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        base = f"/proc/{pid}/task/{tid}"
        try:
            stat = open(f"{base}/stat").read()
            status = open(f"{base}/status").read().splitlines()
            run_ns, wait_ns, _ = open(f"{base}/schedstat").read().split()
        except OSError:
            continue
        name = stat[stat.index('(') + 1:stat.rindex(')')]
        cpu = int(stat[stat.rindex(')') + 2:].split()[36])
        count = lambda key: int(next(l for l in status if l.startswith(key)).split()[1])
        threads[tid] = (name, int(run_ns) / 1e9, int(wait_ns) / 1e9,
                        count("voluntary_ctxt_switches"), count("nonvoluntary_ctxt_switches"), cpu)
    return threads

args = sys.argv[1:]
seconds = 25.0
if args[:1] == ["--seconds"]:
    seconds, args = float(args[1]), args[2:]
before = {p: snap(p) for p in args}
time.sleep(seconds)
after = {p: snap(p) for p in args}
for p in args:
    command = open(f"/proc/{p}/cmdline").read().replace('\0', ' ')
    rows = []
    for tid, (name, run, wait, vol, inv, cpu) in after[p].items():
        _, run0, wait0, vol0, inv0, _ = before[p].get(tid, (name, 0, 0, 0, 0, cpu))
        rows.append((run - run0, name, wait - wait0, vol - vol0, inv - inv0, cpu))
    rows.sort(reverse=True)
    print(f"{p} {command[command.find('rnncluster'):][:80]}")
    print(f"  total: run {sum(r[0] for r in rows):.2f}s wait {sum(r[2] for r in rows):.2f}s "
          f"voluntary {sum(r[3] for r in rows)} involuntary {sum(r[4] for r in rows)} in {seconds:g}s")
    for run, name, wait, vol, inv, cpu in rows[:10]:
        if run > 0.005 or vol > 50:
            print(f"   {name:18s} run {run:.2f}s wait {wait:.2f}s voluntary {vol} involuntary {inv} cpu{cpu}")
