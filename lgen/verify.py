"""`lgen verify`: run the Lightning run and its ejected script side by side and compare them
after every optimizer step. lgen itself never imports torch or the user's files: each side runs
in its own process with the user's interpreter (`sys.executable`), through the recorder file
shipped in `lgen/_verify/recorder.py`, which also does the comparison.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

RECORDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_verify", "recorder.py")
INSTALL_HINT = "pip install 'lgen[verify]'  (adds lightning==2.6.6 to this interpreter)"
#: left out of the folder copies each side runs in
SKIP_DIRS = {".git", ".hg", ".venv", "venv", "__pycache__", "lightning_logs", "lgen_out", ".mypy_cache", ".pytest_cache", ".tox"}

HINTS = {
    "backward (the loss)": (
        "the forward pass saw different inputs or randomness: an RNG draw outside the seeded order "
        "(dropout, augmentation, shuffling, a random tensor made in a hook), a loader with workers, "
        "or a different batch (limit/accumulation flags)"
    ),
    "optimizer.step (the gradients it applied)": (
        "the loss matched but the gradients did not: a missing or extra zero_grad (accumulation), "
        "clipping, gradient scaling under mixed precision, or a nondeterministic backward kernel "
        "(torch.use_deterministic_algorithms(True) rules that out)"
    ),
    "after optimizer.step (the parameters)": (
        "the gradients matched but the update did not: the learning rate (a scheduler stepped at "
        "another time, a changed param_group), the optimizer's hyperparameters, or a step that one "
        "side skipped"
    ),
    "after optimizer.step (the optimizer state)": "the optimizer's hyperparameters or its step count differ",
    "the scheduler state": "the scheduler stepped at another time (interval, frequency, monitor) or a different number of times",
    "callback_metrics": "a value logged with other arguments (on_step/on_epoch, reduce_fx, batch_size) or at another point",
}


SHORT = dict(zip(HINTS, ("the loss", "the gradients", "the parameters", "the optimizer state", "the scheduler state", "callback_metrics")))


class VerifyUsage(Exception):
    """A usage error (exit 2)."""


@dataclass
class Side:
    name: str
    cmd: list[str]
    cwd: str
    record: str
    proc: subprocess.CompletedProcess | None = None
    seconds: float = 0.0


@dataclass
class Outcome:
    code: int
    lines: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def lightning_missing(python: str) -> str | None:
    """Why `python` cannot run Lightning (None when it can), without importing it."""
    probe = "import importlib.util as u, sys; sys.exit(0 if u.find_spec('lightning') else 1)"
    try:
        done = subprocess.run([python, "-c", probe], capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"cannot run {python}: {e}"
    if done.returncode != 0:
        return f"Lightning is not installed for {python}"
    return None


def _copy_tree(src: str, dst: str) -> None:
    shutil.copytree(src, dst, ignore=lambda _d, names: [n for n in names if n in SKIP_DIRS], symlinks=True)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONHASHSEED"] = env.get("PYTHONHASHSEED", "0")  # the same on both sides
    env.pop("PL_GLOBAL_SEED", None)
    env.pop("PL_SEED_WORKERS", None)
    env.pop("LOCAL_RANK", None)
    return env


def flags_from_params(params: dict):
    """`lgen eject`'s parsed options as Flags (eject has validated them already)."""
    from lgen.options import PRECISION_ALIASES, Flags, parse_int_or_float

    def number(name):
        return parse_int_or_float(name, params[name])

    every = params["check_val_every_n_epoch"]
    return Flags(
        max_epochs=params["max_epochs"],
        max_steps=params["max_steps"],
        accumulate_grad_batches=params["accumulate_grad_batches"],
        gradient_clip_val=None if params["gradient_clip_val"] is None else number("gradient_clip_val"),
        gradient_clip_algorithm=None if params["gradient_clip_algorithm"] is None else params["gradient_clip_algorithm"].lower(),
        precision=PRECISION_ALIASES.get(params["precision"], params["precision"]),
        strategy=params["strategy"],
        devices=params["devices"],
        accelerator=params["accelerator"],
        num_sanity_val_steps=params["num_sanity_val_steps"],
        check_val_every_n_epoch=None if every.lower() == "none" else int(every),
        limit_train_batches=number("limit_train_batches"),
        limit_val_batches=number("limit_val_batches"),
        val_check_interval=None if params["val_check_interval"] is None else number("val_check_interval"),
    )


def trainer_kwargs(flags, given: frozenset[str], is_run: bool) -> dict:
    """The Lightning side's Trainer arguments. A model file: contract section 3's run with the
    flags given (the others are Lightning's defaults, as in the script). A run: the flags given
    on the command line, which replace the entry's Trainer arguments as they did in the script."""
    kwargs = {name: getattr(flags, name) for name in sorted(given) if name not in ("accelerator", "devices")}
    if "accelerator" in given or not is_run:
        kwargs["accelerator"] = flags.accelerator
    if "devices" in given or not is_run:
        kwargs["devices"] = flags.devices or 1
    return kwargs


def run(
    entry: str,
    script_text: str,
    *,
    class_name: str,
    is_run: bool,
    flags,
    given: frozenset[str],
    datamodule: str | None,
    root: str | None,
    steps: int,
    seed: int | None,
    atol: float,
    args: list[str],
    warnings: list[str],
    python: str = sys.executable,
    keep: str | None = None,
    bare: bool = False,
) -> Outcome:
    """Run both sides for `steps` optimizer steps and compare them; the verdict as lines."""
    entry_abs = os.path.abspath(entry)
    folder = os.path.abspath(root) if root else os.path.dirname(entry_abs)
    if not entry_abs.startswith(folder + os.sep):
        folder = os.path.dirname(entry_abs)
    rel_entry = os.path.relpath(entry_abs, folder)
    cwd_rel = os.path.relpath(os.getcwd(), folder)
    if cwd_rel.startswith(".."):
        cwd_rel = os.path.dirname(rel_entry)
    work = tempfile.mkdtemp(prefix="lgen-verify-") if keep is None else keep
    os.makedirs(work, exist_ok=True)
    comparer = None
    try:
        sides = []
        if seed is None and not is_run:
            seed = 0
        for name in ("lightning", "script"):
            base = os.path.join(work, name)
            _copy_tree(folder, base)
            record = os.path.join(work, f"{name}.records")
            if name == "lightning":
                config = {
                    "side": "lightning",
                    "mode": "run" if is_run else "model",
                    "entry": os.path.join(base, rel_entry),
                    "args": list(args),
                    "class": class_name,
                    "datamodule": datamodule,
                    "trainer": trainer_kwargs(flags, given, is_run),
                    "seed": seed,
                }
            else:
                script = os.path.join(base, os.path.dirname(rel_entry), "lgen_verify_train.py")
                with open(script, "w", encoding="utf-8") as f:
                    f.write(script_text)
                script_args = ["--seed", str(seed)] if seed is not None else []
                if not is_run:
                    script_args += ["--accelerator", flags.accelerator, "--out-dir", os.path.join(work, "script-out")]
                config = {"side": "script", "script": script, "args": script_args + list(args)}
            # a run without --seed keeps its own seeding, from the same RNG states on both sides
            config.update(steps=steps, out=record, preseed=0 if is_run and seed is None else None, bare=bare)
            cmd = [python, RECORDER, "record", json.dumps(config)]
            cwd = os.path.normpath(os.path.join(base, cwd_rel))
            os.makedirs(cwd, exist_ok=True)
            sides.append(Side(name, cmd, cwd, record))
        env = _env()
        # the two runs are independent processes: run them at the same time
        started = time.perf_counter()
        # the comparer imports torch while the runs go; it compares once told where the records are
        comparer = subprocess.Popen(
            [python, RECORDER, "compare-stdin", "{}"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        procs = []
        for side in sides:
            out = open(os.path.join(work, f"{side.name}.log"), "w+", encoding="utf-8", errors="replace")
            procs.append((side, out, subprocess.Popen(side.cmd, cwd=side.cwd, env=env, stdout=out, stderr=subprocess.STDOUT), time.perf_counter()))
        for side, out, proc, t0 in procs:
            code = proc.wait()
            side.seconds = time.perf_counter() - t0
            out.seek(0)
            side.proc = subprocess.CompletedProcess(side.cmd, code, out.read(), "")
            out.close()
        both = time.perf_counter() - started
        light, script = sides
        if light.proc.returncode == 3 and "Lightning is not importable" in light.proc.stdout:
            comparer.communicate("\n")
            raise VerifyUsage(f"{light.proc.stdout.strip().splitlines()[-1]}\n  = help: {INSTALL_HINT}")
        missing = [s for s in sides if not os.path.exists(s.record)]
        if missing:
            comparer.communicate("\n")
            lines = []
            for s in missing:
                lines.append(f"the {_title(s.name)} did not start recording (exit {s.proc.returncode}):")
                lines += ["  " + x for x in s.proc.stdout.rstrip().splitlines()[-15:]]
            return Outcome(1, lines)
        t0 = time.perf_counter()
        stdout, stderr = comparer.communicate(json.dumps({"lightning": light.record, "script": script.record, "atol": atol}) + "\n")
        cmp = subprocess.CompletedProcess(comparer.args, comparer.returncode, stdout, stderr)
        compare_seconds = time.perf_counter() - t0
        if cmp.returncode != 0:
            return Outcome(1, ["the comparison failed:", *("  " + x for x in cmp.stderr.rstrip().splitlines()[-15:])])
        result = json.loads(cmp.stdout.strip().splitlines()[-1])
        outcome = _verdict(result, sides, steps, atol, warnings)
        outcome.timings = {"both_runs": both, "lightning": light.seconds, "script": script.seconds, "compare": compare_seconds}
        return outcome
    finally:
        if comparer is not None and comparer.poll() is None:
            comparer.kill()
            comparer.wait()
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)


def _title(name: str) -> str:
    return "Lightning run" if name.lower() == "lightning" else "ejected script"


def _fmt(d) -> str:
    return "inf" if d in ("inf", None) or d == float("inf") else f"{d:.3g}"


def _verdict(result: dict, sides: list[Side], steps: int, atol: float, warnings: list[str]) -> Outcome:
    n_light, n_script = result["steps"]
    first = result["first"]
    lines: list[str] = []
    failed = [(s, st, err) for s, st, err in zip(sides, result["status"], result["errors"]) if st == "failed"]
    if first is None and n_light == n_script and not failed:
        n = n_light
        ended = "" if n == steps else f" (the run ended after {n} optimizer steps)"
        if n == 0:
            return Outcome(1, ["nothing to compare: neither side made an optimizer step"])
        worst = result["worst"]
        if worst == 0 or worst == 0.0:
            lines.append(f"bit-exact over {n} steps{ended}")
        else:
            lines.append(f"within atol {atol:g} over {n} steps{ended} (max abs diff {_fmt(worst)})")
        return Outcome(0, lines)
    if first is not None:
        k = first["step"]
        if first["only"]:
            lines.append(f"diverged at step {k}: {first['name']} (only the {_title(first['only'])} has it)")
        else:
            lines.append(f"diverged at step {k}: {first['name']} (max abs diff {_fmt(first['diff'])})")
            if first["lightning"] is not None and first["script"] is not None:
                lines.append(f"  Lightning: {first['lightning']}   ejected script: {first['script']}")
        phases = _phases()
        earlier = [SHORT[p] for p in phases[: phases.index(first["phase"])]] if first["phase"] in phases else []
        lines.append(f"  phase: {first['phase']}" + (f"; in step {k} {', '.join(earlier)} matched" if earlier else ""))
        if k > 1:
            lines.append(f"  steps 1-{k - 1} matched")
        lines.append(f"  hint: {HINTS.get(first['phase'], '')}")
    elif n_light == n_script:
        side, _status, err = failed[0]
        lines.append(f"the {_title(side.name)} failed after {n_light} optimizer steps (all of them matched): {err}")
        lines += ["    " + x for x in side.proc.stdout.rstrip().splitlines()[-8:]]
        failed = failed[1:]
    else:
        k = min(n_light, n_script) + 1
        stopped = sides[0] if n_light < n_script else sides[1]
        other = sides[1] if stopped is sides[0] else sides[0]
        lines.append(
            f"diverged at step {k}: the {_title(stopped.name)} made only {min(n_light, n_script)} optimizer steps, "
            f"the {_title(other.name)} {max(n_light, n_script)}"
        )
        if not any(side is stopped for side, _s, _e in failed):
            lines.append("  hint: the runs stop at different points: max_steps/max_epochs/limit flags, or a step one side skips")
    for side, _status, err in failed:
        lines.append(f"  the {_title(side.name)} failed: {err}")
        lines += ["    " + x for x in side.proc.stdout.rstrip().splitlines()[-8:]]
    if warnings:
        lines.append(f"  the ejection carried warnings ({', '.join(warnings)}): see `lgen explain CODE`")
    return Outcome(1, lines)


def _phases() -> list[str]:
    return list(HINTS)
