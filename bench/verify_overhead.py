"""What `lgen verify`'s comparison adds to the two runs it compares.

    .venv/bin/python bench/verify_overhead.py [--steps N] [--rounds R] [--case NAME ...]

For each case (a golden model file) and round, in this process (lgen's orchestrator, no torch):

    bare      the two runs exactly as verify starts them (the same recorder file, the same folder
              copies, the same stop after N optimizer steps, both at once), with the step hook
              only counting: what running the Lightning run and the script costs anyway
    verify    `lgen verify`'s run: every step recorded (loss, gradients, parameters, optimizer and
              scheduler states, callback_metrics), then compared

The table shows the medians over rounds: wall time of the bare runs, of verify, of the
comparison alone (from both runs' end to the verdict; the comparer imports torch while the runs
go), and the CPU time (user + system) of all child processes, which a loaded machine disturbs
far less than wall time. The eject itself (the same for both) is not timed.
"""

from __future__ import annotations

import argparse
import os
import resource
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
        bare, full, compare, bare_cpu, full_cpu = [], [], [], [], []
        for r in range(args.rounds):
            for mode in (("bare", "verify") if r % 2 == 0 else ("verify", "bare")):
                t0, c0 = time.perf_counter(), _children_cpu()
                outcome = verify.run(model, text, bare=mode == "bare", **common)
                seconds, cpu = time.perf_counter() - t0, _children_cpu() - c0
                if mode == "bare":
                    bare.append(outcome.timings.get("both_runs", seconds))
                    bare_cpu.append(cpu)
                else:
                    full_cpu.append(cpu)
                    assert outcome.code == 0, outcome.lines
                    full.append(seconds)
                    compare.append(outcome.timings["compare"])
        b, f, c = statistics.median(bare), statistics.median(full), statistics.median(compare)
        bc, fc = statistics.median(bare_cpu), statistics.median(full_cpu)
        rows.append((case, b, f, c, f / b, bc, fc, fc / bc))
    print(f"{args.steps} optimizer steps, {args.rounds} rounds, {os.cpu_count()} CPUs\n")
    print("| case | bare runs, wall (s) | verify, wall (s) | comparison alone, wall (s) | wall ratio | bare, CPU (s) | verify, CPU (s) | CPU ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for case, b, f, c, ratio, bc, fc, cratio in rows:
        print(f"| {case} | {b:.2f} | {f:.2f} | {c:.2f} | {ratio:.2f} | {bc:.2f} | {fc:.2f} | {cratio:.2f} |")


def _children_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes: both sides and the comparer."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
