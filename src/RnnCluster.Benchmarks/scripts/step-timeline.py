#!/usr/bin/env python3
"""Where a synchronous step's time goes, from the step trace of one run (all its processes).
Usage: RNNCLUSTER_STEP_TRACE=/tmp/trace rnncluster ...   (every process of the run, one machine)
       python3 step-timeline.py [--skip 20] /tmp/trace.*
Each segment is measured per step (steps after --skip) and printed as median and mean in ms:
from the moment the last gradient of step s is final on a worker to the moment the last worker
starts step s+1, split at each hand-over, plus the compute and the spread between workers."""
import sys, statistics, collections

args = sys.argv[1:]
skip = 20
if args[:1] == ["--skip"]:
    skip, args = int(args[1]), args[2:]
events = collections.defaultdict(list)  # (event, step) -> [microseconds]
for path in args:
    for number, line in enumerate(open(path), 1):
        parts = line.split()
        if len(parts) != 4 or not (parts[0].isdigit() and parts[1].isdigit() and parts[3].isdigit()):
            sys.exit(f"{path}:{number}: not a step-trace line ('MICROSECONDS PID EVENT STEP'): {line.strip()!r}")
        events[(parts[2], int(parts[3]))].append(int(parts[0]))

def times(event, step):
    return sorted(events.get((event, step), []))

segments = collections.OrderedDict((name, []) for name in [
    "compute (fastest worker)", "compute (slowest worker)", "gradient hand-over (last ready -> received)",
    "reduce (last received -> apply)", "optimizer", "publish (copy, hand to the wire)",
    "parameter hand-over (published -> last received)", "last received -> last compute start", "whole step"])
for step in sorted({s for (e, s) in events if e == "apply-started"}):
    if step < skip:
        continue
    start, nxt = times("compute-started", step), times("compute-started", step + 1)
    ready, received = times("gradient-ready", step), times("gradient-received", step)
    applying, applied, published = times("apply-started", step), times("applied", step), times("published", step)
    arrived = times("parameters-received", step + 1)
    if not (start and nxt and ready and received and applying and applied and published and arrived):
        continue
    ms = lambda a, b: (b - a) / 1000
    segments["compute (fastest worker)"].append(ms(start[0], ready[0]))
    segments["compute (slowest worker)"].append(ms(start[-1], ready[-1]))
    segments["gradient hand-over (last ready -> received)"].append(ms(ready[-1], received[-1]))
    segments["reduce (last received -> apply)"].append(ms(received[-1], applying[0]))
    segments["optimizer"].append(ms(applying[0], applied[0]))
    segments["publish (copy, hand to the wire)"].append(ms(applied[0], published[0]))
    segments["parameter hand-over (published -> last received)"].append(ms(published[0], arrived[-1]))
    segments["last received -> last compute start"].append(ms(arrived[-1], nxt[-1]))
    segments["whole step"].append(ms(start[0], nxt[0]))
n = len(segments["whole step"])
print(f"{n} steps (after step {skip})")
for name, values in segments.items():
    if values:
        print(f"  {name:50s} median {statistics.median(values):7.2f}  mean {statistics.mean(values):7.2f}")
