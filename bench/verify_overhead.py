"""What `lgen verify`'s comparison adds to the two runs it compares.

    .venv/bin/python bench/verify_overhead.py [--steps N] [--rounds R] [--case NAME ...]

For each case (a golden model file) and round, in this process (lgen's orchestrator, no torch):

    bare      the two runs exactly as verify starts them (the same recorder file, the same folder
              copies, the same stop after N optimizer steps, both at once), with the step hook
              only counting: what running the Lightning run and the script costs anyway
    verify    `lgen verify`'s run: every step recorded (loss, gradients, parameters, optimizer and
              scheduler states, callback_metrics), then compared

The table shows the medians over rounds: the bare runs, verify, the comparison alone (the time
from both runs' end to the verdict; the comparer imports torch while the runs go) and the
ratio verify / bare. The eject itself (the same for both) is not timed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CASES = {"baseline": ["--max-epochs", "10"], "example_mlp": ["--max-epochs", "10"]}


def _eject(case: str, flags: list[str]) -> tuple[str, str]:
    import subprocess

    model = ROOT / "golden" / case / "model.py"
    done = subprocess.run([sys.executable, "-m", "lgen", "eject", str(model), *flags], capture_output=True, text=True, check=True)
    return str(model), done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--case", action="append", choices=sorted(CASES))
    args = parser.parse_args()

    from lgen import vendor, verify
    from lgen.options import Flags

    rows = []
    for case in args.case or sorted(CASES):
        model, text = _eject(case, CASES[case])
        flags = Flags(max_epochs=int(CASES[case][1]))
        common = dict(
            class_name=vendor.parse_header(text).class_name,
            is_run=False,
            flags=flags,
            given=frozenset({"max_epochs"}),
            datamodule=None,
            root=None,
            steps=args.steps,
            seed=0,
            atol=0.0,
            args=[],
            warnings=[],
        )
        bare, full, compare = [], [], []
        for r in range(args.rounds):
            for mode in (("bare", "verify") if r % 2 == 0 else ("verify", "bare")):
                t0 = time.perf_counter()
                outcome = verify.run(model, text, bare=mode == "bare", **common)
                seconds = time.perf_counter() - t0
                if mode == "bare":
                    bare.append(outcome.timings.get("both_runs", seconds))
                else:
                    assert outcome.code == 0, outcome.lines
                    full.append(seconds)
                    compare.append(outcome.timings["compare"])
        b, f, c = statistics.median(bare), statistics.median(full), statistics.median(compare)
        rows.append((case, b, f, c, f / b))
    print(f"{args.steps} optimizer steps, {args.rounds} rounds, {os.cpu_count()} CPUs\n")
    print("| case | bare runs (s) | verify (s) | comparison alone (s) | verify / bare |")
    print("|---|---:|---:|---:|---:|")
    for case, b, f, c, ratio in rows:
        print(f"| {case} | {b:.2f} | {f:.2f} | {c:.2f} | {ratio:.2f} |")


if __name__ == "__main__":
    main()
