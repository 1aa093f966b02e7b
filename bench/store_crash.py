"""Kill campaign for the store's write paths: SIGKILL a process during one large write to an on-disk
store, many times, reopen, count (tests/store/crash.py does the work; the tests run 3 kills a mode).

    .venv/bin/python bench/store_crash.py [KILLS] [--out FILE]

Modes: replace (a 20,000-triple graph replaced by another in one Change: removals and additions,
blank nodes included), import (one Change of 150,000 encoded rows in a new import graph plus its
catalog record: the bulk path), load (`EmbeddedStore.load_file` of 150,000 quads in three new
graphs), staged (`EmbeddedStore.stage_files` of such a file into three new source graphs, then
`publish` of their catalog record: `sahelkg load` of a big N-Quads file). Each kill falls at a
moment drawn uniformly over the write's measured duration. Writes
the counts per mode to `--out` (default bench/results/store_crash.json) and prints them.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.store.crash import campaign  # noqa: E402

MODES = {"replace": 20_000, "import": 150_000, "load": 150_000, "staged": 150_000}


def main(argv: list[str]) -> None:
    kills = int(argv[0]) if argv and argv[0].isdigit() else 20
    out = Path(argv[argv.index("--out") + 1]) if "--out" in argv else Path(__file__).parent / "results" / "store_crash.json"
    outcomes = []
    for mode, rows in MODES.items():
        outcome = campaign(mode, kills, rows)
        outcomes.append(dataclasses.asdict(outcome))
        print(f"{mode}: {rows:,} rows, write takes {outcome.window:.1f} s; {outcome.kills} of {kills} runs killed "
              f"before they finished; whole {outcome.whole}, absent {outcome.absent}, partial {outcome.partial}, "
              f"without catalog record {outcome.without_record}, failed opens {outcome.failed_opens}, "
              f"journal left {outcome.journal_left}", flush=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"date": time.strftime("%Y-%m-%d %H:%M"), "command": "bench/store_crash.py " + " ".join(argv),
                               "outcomes": outcomes}, indent=2) + "\n")
    print(f"counts written to {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
