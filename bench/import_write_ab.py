"""The write of an ACLED import into an on-disk store, side by side: an older `store/embedded.py`
against this tree's, interleaved, wall and CPU seconds (every thread) per run and their medians.

    git show REV:src/sahelkg/store/embedded.py > /tmp/old_embedded.py
    .venv/bin/python bench/import_write_ab.py /tmp/old_embedded.py [ROWS] [--repeat N] [--out FILE]

Each run opens a fresh on-disk store holding the seed and times `EmbeddedStore.apply` of the
same planned import (ROWS synthetic rows, bench/import_acled.py; default 10,000) with one module
or the other. Under load, CPU seconds move much less than wall ones. Default output:
bench/results/import_write_ab.json.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

sys.path.insert(0, str(Path(__file__).parent))

from import_acled import planned_import  # noqa: E402

from sahelkg.dataset import loading  # noqa: E402
from sahelkg.store import embedded  # noqa: E402


def older_module(path: Path) -> ModuleType:
    """Given a copy of an older store/embedded.py, import it beside this tree's."""
    spec = importlib.util.spec_from_file_location("sahelkg.store.embedded_older", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def main(argv: list[str]) -> None:
    options = {k: v for k, v in zip(argv, [*argv[1:], ""], strict=True) if k in ("--repeat", "--out")}
    positional = [a for i, a in enumerate(argv) if not a.startswith("--") and (i == 0 or argv[i - 1] not in options)]
    if not positional:
        raise SystemExit(__doc__)
    old = older_module(Path(positional[0]))
    rows = int(positional[1]) if len(positional) > 1 else 10_000
    repeat = int(options.get("--repeat", "3"))
    out = Path(options.get("--out") or Path(__file__).parent / "results" / "import_write_ab.json")
    modules = {"older": old, "this tree": embedded}
    wall: dict[str, list[float]] = {name: [] for name in modules}
    cpu: dict[str, list[float]] = {name: [] for name in modules}
    loads: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        planner, change = planned_import(rows, Path(tmp))
        del planner
        seed = list(loading.dataset_quads(loading.seed_paths()))
        for run in range(repeat):
            order = list(modules) if run % 2 == 0 else list(reversed(modules))
            for name in order:
                directory = Path(tmp) / f"store-{run}-{len(wall[name])}"
                store = modules[name].EmbeddedStore(directory)
                store.load_quads(seed)
                started, cpu_started = time.perf_counter(), time.process_time()
                store.apply(change)
                wall[name].append(time.perf_counter() - started)
                cpu[name].append(time.process_time() - cpu_started)
                store.close()
                shutil.rmtree(directory)
                loads.append(os.getloadavg()[0])
                print(f"{name}: {wall[name][-1]:.1f} s wall, {cpu[name][-1]:.1f} s CPU (load {loads[-1]:.1f})",
                      flush=True)
    medians = {name: {"wall": statistics.median(wall[name]), "cpu": statistics.median(cpu[name])} for name in modules}
    ratios = {kind: medians["this tree"][kind] / medians["older"][kind] for kind in ("wall", "cpu")}
    print(f"{rows:,} rows, {len(change.additions):,} quads; medians {medians}; this tree / older: "
          f"wall {ratios['wall']:.2f}, CPU {ratios['cpu']:.2f}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"command": "bench/import_write_ab.py " + " ".join(argv), "rows": rows,
                               "quads": len(change.additions), "wall": wall, "cpu": cpu, "medians": medians,
                               "ratios": ratios, "load_average": loads}, indent=2) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
