#!/bin/bash
# Issue 15 figures, session 8: every bench in turn; logs and reports in /tmp/work/s8/bench.
cd /tmp/work/s8/snap; export PYTHONPATH=/tmp/work/s8/snap/src
D=/tmp/work/s8/bench
PY=/work/main/.venv/bin/python
stamp() { echo "== $(date +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg): $*" >> $D/drive.log; }
for r in 1 2 3; do
  stamp "standard r$r"; timeout 1200 $PY bench/run.py --events 8000 80000 --servers sahelkg "oxigraph serve" --rdflib-events --duration 20 --output $D/std_r$r.md > $D/std_r$r.log 2>&1
  cp bench/out/std_r$r.json $D/ 2>/dev/null
  stamp "repeated r$r"; timeout 900 $PY bench/run.py --mix repeated --events 8000 --servers sahelkg "oxigraph serve" --rdflib-events --duration 20 --output $D/rep_r$r.md > $D/rep_r$r.log 2>&1
  cp bench/out/rep_r$r.json $D/ 2>/dev/null
  stamp "lookups r$r"; timeout 900 $PY bench/run.py --mix lookups --events 8000 --servers sahelkg "oxigraph serve" --rdflib-events --duration 20 --output $D/look_r$r.md > $D/look_r$r.log 2>&1
  cp bench/out/look_r$r.json $D/ 2>/dev/null
  stamp "lookup memory r$r"; timeout 900 $PY bench/lookup_memory.py --baseline-src /tmp/work/s8/base --events 8000 --windows 4 > $D/lookmem_r$r.log 2>&1
  cp bench/results/lookup_memory.json $D/lookmem_r$r.json 2>/dev/null
done
for r in 2 3; do
  stamp "worker memory r$r"; timeout 1800 $PY bench/worker_memory.py --events 80000 --workers 2 6 12 --designs forked --baseline-src /tmp/work/s8/base/src --no-engines --output $D/wm_r$r.json > $D/wm_r$r.log 2>&1
done
for r in 1 2 3; do
  stamp "readwrite r$r"; timeout 1800 $PY bench/run.py --mix readwrite --events 80000 --duration 60 --worker-stores forked --on-disk --servers sahelkg "oxigraph serve" --output $D/rw_r$r.md > $D/rw_r$r.log 2>&1
  cp bench/out/readwrite.json $D/rw_r$r.json 2>/dev/null
done
stamp "3M standard"; timeout 2400 $PY bench/run.py --events 160000 --servers sahelkg "oxigraph serve" --rdflib-events --duration 20 --output $D/std_3m.md > $D/std_3m.log 2>&1
cp bench/out/std_3m.json $D/ 2>/dev/null
stamp "3M worker memory"; timeout 2400 $PY bench/worker_memory.py --events 160000 --workers 2 6 12 --designs forked --baseline-src /tmp/work/s8/base/src --no-engines --output $D/wm_3m.json > $D/wm_3m.log 2>&1
stamp done
