#!/bin/bash
# Issue 15, session 8, second pass: the 150k figures after the shared private-memory budget.
cd /tmp/work/s8/snap; export PYTHONPATH=/tmp/work/s8/snap/src
D=/tmp/work/s8/bench
PY=/work/main/.venv/bin/python
stamp() { echo "== $(date +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg): $*" >> $D/drive2.log; }
for r in 1 2 3; do
  stamp "lookups b$r"; timeout 900 $PY bench/run.py --mix lookups --events 8000 --servers sahelkg "oxigraph serve" --rdflib-events --duration 20 --output $D/look_b$r.md > $D/look_b$r.log 2>&1
  cp bench/out/look_b$r.json $D/ 2>/dev/null
  stamp "lookup memory b$r"; timeout 900 $PY bench/lookup_memory.py --baseline-src /tmp/work/s8/base --events 8000 --windows 4 > $D/lookmem_b$r.log 2>&1
  cp bench/results/lookup_memory.json $D/lookmem_b$r.json 2>/dev/null
  stamp "standard b$r"; timeout 1500 $PY bench/run.py --events 8000 80000 --servers sahelkg "oxigraph serve" --rdflib-events --duration 20 --output $D/std_b$r.md > $D/std_b$r.log 2>&1
  cp bench/out/std_b$r.json $D/ 2>/dev/null
done
stamp done
