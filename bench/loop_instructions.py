"""Per-step cost of the generated loop against the hand loop, counted in CPU instructions.

    .venv/bin/python bench/loop_instructions.py [--case NAME ...] [--lightning] [--json OUT]

Wall-clock figures on a shared machine move by several per cent from one process to the next
(bench/loop_cost.py needs many alternating rounds for a 5 % verdict). An instruction count
does not: each variant runs under valgrind's callgrind (needs `valgrind` on PATH) with
`PYTHONHASHSEED=0` and one thread, once for E_small and once for E_big epochs, and

    (instructions(E_big) - instructions(E_small)) / (batches(E_big) - batches(E_small))

is the instructions one training batch costs, with start-up, imports and set-up cancelled, as
in loop_cost.py. Runs of the same command give the same count to within a few hundred
instructions per batch; two different programs can differ by a few thousand from memory layout
alone, so treat differences under ~0.5 % as noise. It counts work, not time: a cache miss or a
slow instruction counts as one. It is the check that the generated loop does no more than the
hand loop does; loop_cost.py is the measure of time. Cases and variants are loop_cost.py's (the
compute-bound case is left out by default: under valgrind it takes minutes per epoch).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import loop_cost  # noqa: E402  (bench/ is a folder of scripts, not a package)

EPOCHS = (1, 3)
DEFAULT_CASES = ("tiny_log", "tiny_accum", "gan_manual")


def count(case: str, variant: str, script: Path | None, epochs: int, tmp: Path) -> int:
    """Instructions of one process that trains `epochs` epochs of `case` with `variant`."""
    payload = json.dumps({"case": case, "variant": variant, "script": script and str(script), "epochs": epochs})
    out = tmp / f"callgrind.{case}.{variant}.{epochs}"
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONHASHSEED="0")
    argv = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, __file__, "--worker", payload]
    p = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=loop_cost.REPO)
    found = re.search(r"Collected : (\d+)", p.stderr)
    if p.returncode != 0 or found is None:
        raise SystemExit(f"{case}/{variant} ({epochs} epochs) failed (exit {p.returncode}):\n{p.stderr[-3000:]}")
    out.unlink(missing_ok=True)
    return int(found.group(1))


def worker(case: str, variant: str, script: str | None, epochs: int) -> None:
    import torch

    torch.set_num_threads(1)
    file, cls_name, flags, _, _ = loop_cost.CASES[case]
    models = loop_cost.load_module(loop_cost.MODELS / file, f"bench_models_{Path(file).stem}")
    if variant == "hand":
        run = loop_cost.hand_runner(case, models, "cpu")
    elif variant == "generated":
        run = loop_cost.generated_runner(Path(script), "cpu")
    else:
        run = loop_cost.lightning_runner(getattr(models, cls_name), flags, pbar=False, device="cpu")
    run(epochs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", action="append", choices=sorted(loop_cost.CASES), help="only these cases (repeatable)")
    parser.add_argument("--lightning", action="store_true", help="also count Lightning's Trainer (its imports take minutes under valgrind)")
    parser.add_argument("--json", metavar="OUT", help="also write the figures as JSON")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        spec = json.loads(args.worker)
        worker(spec["case"], spec["variant"], spec["script"], spec["epochs"])
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not on PATH: this benchmark counts instructions with callgrind")
    variants = ("hand", "generated") + (("lightning",) if args.lightning else ())
    cases = args.case or list(DEFAULT_CASES)
    print(loop_cost.machine("cpu"))
    print(f"callgrind instructions per training batch, {EPOCHS[1]} vs {EPOCHS[0]} epochs, PYTHONHASHSEED=0\n")
    results = {}
    with tempfile.TemporaryDirectory(prefix="lgen-bench-") as tmp:
        tmp = Path(tmp)
        for case in cases:
            script, pending = loop_cost.eject(case, tmp)
            if script is None:
                print(f"{case}: {pending}")
                continue
            file = loop_cost.CASES[case][0]
            batches = len(loop_cost.load_module(loop_cost.MODELS / file, f"bench_models_{Path(file).stem}").make_loader())
            jobs = [(v, e) for v in variants for e in EPOCHS]
            with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:  # counts do not depend on load
                counts = dict(zip(jobs, pool.map(lambda job: count(case, job[0], script if job[0] == "generated" else None, job[1], tmp), jobs)))
            per_batch = {v: (counts[v, EPOCHS[1]] - counts[v, EPOCHS[0]]) / ((EPOCHS[1] - EPOCHS[0]) * batches) for v in variants}
            results[case] = {"instructions_per_batch": per_batch, "generated/hand": per_batch["generated"] / per_batch["hand"]}
            if "lightning" in per_batch:
                results[case]["generated/lightning"] = per_batch["generated"] / per_batch["lightning"]
    print("| case | " + " | ".join(f"{v} instr/batch" for v in variants) + " | generated/hand |" + (" generated/lightning |" if args.lightning else ""))
    print("|---|" + "---:|" * (len(variants) + 1 + args.lightning))
    for case, r in results.items():
        cells = " | ".join(f"{r['instructions_per_batch'][v]:,.0f}" for v in variants)
        extra = f" {r['generated/lightning']:.3f}x |" if args.lightning else ""
        print(f"| {case} | {cells} | {r['generated/hand']:.3f}x |{extra}")
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": loop_cost.machine("cpu"), "epochs": EPOCHS, "results": results}, indent=2))


if __name__ == "__main__":
    main()
