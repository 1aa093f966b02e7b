"""Build and gate a sheet of N claims (default 50): the issue-11 target is under 2 s.

    .venv/bin/python bench/author_build.py [--claims 50] [--repeat 3] [--out bench/results/author_build.json]

The sheet and its text are generated (fictional names from tests/authoring/data's fixture):
each claim accuses an actor, gives a count with an 'including' part and quotes its sentence.
Reports, per repeat: parse + build (wording, names, anchors), the gate (SHACL on the source
graph with the ontology, reference and vocabularies) and the total; `cold` is the first run in
the process, which also compiles the shapes (once per process: a server or `author` page pays it
at start).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from sahelkg.authoring import build, names, publish, sheet  # noqa: E402

FIXTURE = REPO / "tests" / "authoring" / "data" / "oudra-courier.yaml"
ACCUSED = ["Kelmaran Defence Forces", "FLO"]


def generated(claims: int) -> tuple[str, str]:
    """Return (sheet text, source text) with `claims` claims, each quoting its own sentence."""
    header = FIXTURE.read_text(encoding="utf-8").split("documents:")[0]
    header = header.replace("text: oudra-courier.txt, ", "")
    sentences = [f"Witness {i} said that the attack number {i} killed at least {i + 10} civilians, including {i % 5 + 1} "
                 f"children, in hamlet {i}." for i in range(claims)]
    lines = [header.rstrip("\n"), "events:",
             "  e: {type: massacre, label: Attacks on hamlets, place: bandiko, when: 'on Tuesday, March 4'}",
             "statements:", "  - {by: mariam-soukel, for: tessaloum-solidarity-collective, when: 'on Thursday, March 6', "
             "claims: ["]
    for i in range(claims):
        lines.append(f"      {{id: c{i}, stance: accuses, about: e, accused: ['{ACCUSED[i % 2]}'], quotes: "
                     f"['attack number {i} killed'], counts: [{{wording: at least {i + 10} civilians, outcome: killed, "
                     f"victims: civilians, parts: [{{wording: including {i % 5 + 1} children, victims: children}}]}}]}},")
    lines.append("    ]}")
    return "\n".join(lines) + "\n", " ".join(sentences)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "author_build.json")
    args = parser.parse_args()
    sheet_text, text = generated(args.claims)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.yaml"
        path.write_text(sheet_text, encoding="utf-8")
        reference_quads = names.reference_quads_from_files()
        context = publish.context_quads()
        runs = []
        for index in range(args.repeat + 1):
            t0 = time.perf_counter()
            built = build.build(sheet.parse(sheet_text), names.Reference.from_quads(reference_quads),
                                text_content=text)
            t1 = time.perf_counter()
            report = publish.check(built, path, context=context)
            t2 = time.perf_counter()
            if not report.conforms:
                print(report.to_text(), file=sys.stderr)
                return 1
            runs.append({"run": "cold" if index == 0 else f"warm {index}", "build_s": round(t1 - t0, 3),
                         "gate_s": round(t2 - t1, 3), "total_s": round(t2 - t0, 3), "quads": len(built.quads)})
            print(runs[-1])
    warm = [r["total_s"] for r in runs[1:]]
    result = {"claims": args.claims, "sheet_lines": len(sheet_text.splitlines()), "runs": runs,
              "warm_best_s": min(warm) if warm else None, "target_s": 2.0,
              "machine": {"cpus": os.cpu_count(), "load_average": os.getloadavg(), "python": platform.python_version()},
              "command": "bench/author_build.py " + " ".join(sys.argv[1:])}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"warm best {result['warm_best_s']} s (target 2 s); written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
