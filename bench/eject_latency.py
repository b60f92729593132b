"""Whole-process latency of `lgen eject`, against the import floor of lgen's dependencies.

    .venv/bin/python bench/eject_latency.py [--rounds N] [--quick] [--profile] [--json OUT]

Every command runs as a fresh process of this interpreter (`sys.executable`), the way CI and
pre-commit run it. One round runs every command once, in an order rotated each round so no
command always runs right after another; after one untimed warm-up round (it also checks that
each command exits as expected), the table shows each command's median wall time over the
rounds and, for the eject rows, the median of the per-round ratios to the floor measured in
the same round. Alternation plus medians is what keeps the figures usable on a shared,
noisy machine.

Commands run from a scratch folder, so `PYTHONPATH=DIR` selects which lgen is measured (the
installed one otherwise): that is how a before/after comparison is taken.

The floor is `python -c "import libcst, black, jinja2, typer"`: what any tool built on those
four libraries pays before doing anything.

lgen keeps two on-disk caches keyed by content (compiled templates; black's formatting of the
model part). Three kinds of eject rows:
- plain: both caches warm, as a re-eject of an unchanged model (CI's `--check`, a pre-commit
  hook; the warm-up round fills them);
- "edited model": every run ejects a model it has never seen (a copy with a new comment above
  its first class), so black formats the model part; the templates' cache is warm. This is
  the first eject of a model, or the eject after an edit;
- "nothing cached": `LGEN_NO_CACHE=1`, as the very first eject after installing lgen (Jinja
  compiles the templates).

The dependencies are measured as installed, with their byte-code compiled (pip compiles it at
install). lgen is measured the same way: before timing, `compileall` writes the byte code of
the lgen that runs (an editable checkout has none until its first import, and none at all
where PYTHONDONTWRITEBYTECODE is set, which would add ~20 ms of compiling to every run).

`--profile` adds where the time goes: `-X importtime` (largest cumulative imports) and a
cProfile of one in-process eject of the large model.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PY = sys.executable
SMALL = REPO / "examples" / "mlp.py"
LARGE = REPO / "bench" / "models" / "large_model.py"


def commands(out_dir: Path) -> list[tuple[str, list[str], int, Path | None]]:
    """(label, argv, expected exit code, output file to delete before each run)."""
    small_out, large_out = out_dir / "small_train.py", out_dir / "large_train.py"
    small_new, large_new = out_dir / "new_small.py", out_dir / "new_large.py"
    return [
        ("python -c pass", [PY, "-c", "pass"], 0, None),
        ("floor: import libcst, black, jinja2, typer", [PY, "-c", "import libcst, black, jinja2, typer"], 0, None),
        ("import lgen.cli", [PY, "-c", "import lgen.cli"], 0, None),
        ("lgen --help", [PY, "-m", "lgen", "--help"], 0, None),
        ("lgen explain LGEN202", [PY, "-m", "lgen", "explain", "LGEN202"], 0, None),
        ("lgen eject (usage error)", [PY, "-m", "lgen", "eject", str(SMALL), "--max-epochs", "x"], 2, None),
        ("lgen eject examples/mlp.py", [PY, "-m", "lgen", "eject", str(SMALL), "-o", str(small_out), "--max-epochs", "3"], 0, small_out),
        (
            f"lgen eject large_model.py ({sum(1 for _ in LARGE.open())} lines)",
            [PY, "-m", "lgen", "eject", str(LARGE), "-o", str(large_out), "--max-epochs", "2", "--gradient-clip-val", "1.0"],
            0,
            large_out,
        ),
        # a model never ejected before (run_once writes a new copy): black formats the model part
        ("lgen eject examples/mlp.py, edited model", [PY, "-m", "lgen", "eject", str(small_new), "-o", str(small_out), "--max-epochs", "3"], 0, small_out),
        (
            "lgen eject large_model.py, edited model",
            [PY, "-m", "lgen", "eject", str(large_new), "-o", str(large_out), "--max-epochs", "2", "--gradient-clip-val", "1.0"],
            0,
            large_out,
        ),
        # caches off (LGEN_NO_CACHE: no Jinja bytecode, no formatted-head cache): the first eject after install
        ("lgen eject examples/mlp.py, nothing cached", ["env", "LGEN_NO_CACHE=1", PY, "-m", "lgen", "eject", str(SMALL), "-o", str(small_out), "--max-epochs", "3"], 0, small_out),
        (
            "lgen eject large_model.py, nothing cached",
            ["env", "LGEN_NO_CACHE=1", PY, "-m", "lgen", "eject", str(LARGE), "-o", str(large_out), "--max-epochs", "2", "--gradient-clip-val", "1.0"],
            0,
            large_out,
        ),
    ]


_EDITS = iter(range(1_000_000))


def run_once(argv: list[str], expect: int, out: Path | None, check: bool, cwd: Path) -> float:
    if out is not None and out.exists():
        out.unlink()  # measure a real write, not the "up to date" path
    for arg in argv:
        if Path(arg).name.startswith("new_"):  # an "edited model": a copy lgen has not seen
            source = SMALL if arg.endswith("new_small.py") else LARGE
            text = source.read_text()
            at = text.index("\nclass ") + 1  # a comment above the first class: part of the model
            Path(arg).write_text(f"{text[:at]}# edit {next(_EDITS)}\n{text[at:]}")
    start = time.perf_counter()
    p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE if check else subprocess.DEVNULL, cwd=cwd)
    elapsed = time.perf_counter() - start
    if check and p.returncode != expect:
        sys.exit(f"{' '.join(argv)} exited {p.returncode}, expected {expect}:\n{p.stderr.decode()}")
    return elapsed


def compile_lgen(cwd: Path) -> str:
    """Byte-compile the lgen package that the commands run, as an install does; its folder."""
    where = subprocess.run([PY, "-c", "import lgen, os; print(os.path.dirname(lgen.__file__))"], capture_output=True, text=True, cwd=cwd, check=True)
    folder = where.stdout.strip()
    subprocess.run([PY, "-m", "compileall", "-q", folder], check=True, cwd=cwd)
    return folder


def measure(rounds: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="lgen-bench-") as tmp:
        compile_lgen(Path(tmp))
        cmds = commands(Path(tmp))
        for _, argv, expect, out in cmds:  # warm-up: page cache, .pyc files, exit codes
            run_once(argv, expect, out, check=True, cwd=Path(tmp))
        times: dict[str, list[float]] = {label: [] for label, *_ in cmds}
        floor_label = cmds[1][0]
        ratios: dict[str, list[float]] = {label: [] for label, *_ in cmds}
        for r in range(rounds):
            order = cmds[r % len(cmds):] + cmds[: r % len(cmds)]
            this_round = {}
            for label, argv, expect, out in order:
                this_round[label] = run_once(argv, expect, out, check=False, cwd=Path(tmp))
            for label, t in this_round.items():
                times[label].append(t)
                ratios[label].append(t / this_round[floor_label])
    return {
        "rounds": rounds,
        "rows": [
            {
                "command": label,
                "median_s": statistics.median(times[label]),
                "min_s": min(times[label]),
                "median_ratio_to_floor": statistics.median(ratios[label]),
            }
            for label, *_ in cmds
        ],
    }


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or cpu
    return f"{cpu}, {os.cpu_count()} cores visible, Python {platform.python_version()}, {platform.system()} {platform.release()}"


def versions() -> str:
    code = "import importlib.metadata as m; print(' '.join(f'{p} {m.version(p)}' for p in ('libcst', 'black', 'jinja2', 'typer', 'pydantic')))"
    return subprocess.run([PY, "-c", code], capture_output=True, text=True).stdout.strip()


def print_table(result: dict) -> None:
    print(f"\n{machine()}\n{versions()}\nmedians of {result['rounds']} alternating rounds (fresh process each)\n")
    width = max(len(r["command"]) for r in result["rows"])
    print(f"| {'command'.ljust(width)} | median ms | min ms | ratio to floor (median) |")
    print(f"|{'-' * (width + 2)}|----------:|-------:|------------------------:|")
    for r in result["rows"]:
        print(f"| {r['command'].ljust(width)} | {r['median_s'] * 1e3:9.0f} | {r['min_s'] * 1e3:6.0f} | {r['median_ratio_to_floor']:22.2f}x |")


def profile() -> None:
    print("\n## -X importtime, lgen eject large_model.py: largest cumulative imports (us)")
    with tempfile.TemporaryDirectory() as tmp:
        p = subprocess.run(
            [PY, "-X", "importtime", "-m", "lgen", "eject", str(LARGE), "-o", os.path.join(tmp, "t.py")],
            capture_output=True, text=True, cwd=tmp,
        )
    rows = []
    for line in p.stderr.splitlines():
        if line.startswith("import time:") and "|" in line and "self [us]" not in line:
            self_us, cum_us, name = line[len("import time:"):].split("|")
            depth = (len(name) - len(name.lstrip())) // 2
            rows.append((int(cum_us), int(self_us), depth, name.strip()))
    top = [r for r in rows if r[2] <= 1]
    for cum, self_us, depth, name in sorted(top, reverse=True)[:15]:
        print(f"{cum:9d} {'  ' * depth}{name}")
    print("\n## cProfile, one in-process eject of large_model.py (imports already paid), top 20 cumulative")
    code = f"""
import cProfile, pstats, sys
sys.path.insert(0, {str(REPO)!r})
from lgen.options import Flags
from lgen.pipeline import eject
args = dict(display_path="large_model.py", command=[], script_name="train.py")
pr = cProfile.Profile(); pr.enable()
r = eject({str(LARGE)!r}, Flags(max_epochs=2), None, **args)
pr.disable()
assert r.text, r.diagnostics
pstats.Stats(pr).sort_stats("cumulative").print_stats(20)
"""
    print(subprocess.run([PY, "-c", code], capture_output=True, text=True, cwd=REPO).stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21, help="timed rounds (default: %(default)s)")
    parser.add_argument("--quick", action="store_true", help="5 rounds: a smoke run, not figures to report")
    parser.add_argument("--profile", action="store_true", help="also print -X importtime and a cProfile of one eject")
    parser.add_argument("--json", metavar="OUT", help="also write the figures as JSON")
    args = parser.parse_args()
    rounds = 5 if args.quick else args.rounds
    result = measure(rounds)
    result["machine"], result["versions"] = machine(), versions()
    print_table(result)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    if args.profile:
        profile()


if __name__ == "__main__":
    main()
