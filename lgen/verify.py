"""`lgen verify`: run the Lightning run and its ejected script side by side and compare them
after every optimizer step. lgen itself never imports torch or the user's files: each side runs
in its own process with the user's interpreter (`sys.executable`), through the recorder file
shipped in `lgen/_verify/recorder.py`, which also does the comparison.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

RECORDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_verify", "recorder.py")
#: copied alone into a folder put first on PYTHONPATH: it records the ranks a launcher starts
SITECUSTOMIZE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_verify", "sitecustomize.py")
#: what a launcher of this shell set would mislead the runs' own launchers
LAUNCH_ENV = ("RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "NODE_RANK", "GROUP_RANK", "MASTER_ADDR", "MASTER_PORT")
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
    env: dict[str, str] | None = None
    timed_out: bool = False
    log_at_timeout: int = 0


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
    for name in LAUNCH_ENV:
        env.pop(name, None)
    return env


def world_size(script_text: str) -> int:
    """How many processes the ejected script runs in: `DEVICES` of a DDP script (torchrun's
    `--nproc-per-node`), else 1."""
    match = re.search(r"^DEVICES = (\d+)\b", script_text, re.M)
    if match and "torch.distributed.init_process_group(" in script_text:
        return int(match.group(1))
    return 1


def needs_torchrun(script_text: str) -> bool:
    """A model file's DDP script runs only under torchrun; a run's starts its ranks itself."""
    return "run under torchrun: torchrun --nproc-per-node" in script_text


def _child_env(env: dict[str, str], site: str, argv0: str, config: dict) -> dict[str, str]:
    """The side's environment under DDP: every process that runs `argv0` (a rank started by
    Lightning's launcher or by torchrun) is recorded as the first rank is (sitecustomize.py)."""
    env = dict(env)
    env["PYTHONPATH"] = os.pathsep.join([site, *([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])])
    env["LGEN_VERIFY_CHILD"] = json.dumps({"recorder": RECORDER, "argv0": os.path.realpath(argv0), "config": config})
    if "GLOO_SOCKET_IFNAME" not in env and os.path.exists("/sys/class/net/lo"):
        env["GLOO_SOCKET_IFNAME"] = "lo"  # the ranks talk on this machine only
    return env


def _alive(pid: int, marks: tuple[str, ...]) -> bool:
    """Whether `pid` still runs one of this verification's commands (not a recycled id, not a
    zombie its new parent has yet to reap)."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    if not os.path.isdir("/proc"):
        return True
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8", errors="replace") as f:
            if any(line.startswith("State:") and "Z" in line.split()[1:2] for line in f):
                return False
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmdline = f.read().decode(errors="replace")
    except OSError:
        return False
    return any(mark in cmdline for mark in marks)


def _end_side(proc: subprocess.Popen, record: str, grace: float, marks: tuple[str, ...]) -> None:
    """Wait up to `grace` seconds for the ranks that recorded their id in `record` (the first
    rank may end before the ones it started have written their records), then end what is left
    of the side: those ranks (torchrun starts its ranks in sessions of their own) and the side's
    session. A rank left behind waits in a collective for one that failed or stopped."""
    deadline = time.monotonic() + grace
    while True:
        pids = [int(n[4:]) for n in os.listdir(record) if re.fullmatch(r"pid-\d+", n)] if os.path.isdir(record) else []
        left = [pid for pid in pids if _alive(pid, marks)]
        if not left or time.monotonic() >= deadline:
            break
        time.sleep(0.05)
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


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
    timeout: float = 600.0,
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
    world = world_size(script_text)
    env = _env()
    site = os.path.join(work, "site")
    if world > 1:
        os.makedirs(site, exist_ok=True)
        shutil.copy(SITECUSTOMIZE, os.path.join(site, "sitecustomize.py"))
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
            side_env = env
            child = {k: v for k, v in config.items() if k != "args"}
            if world > 1 and name == "script" and needs_torchrun(script_text):
                # every rank, torchrun's first one too, runs the script recorded (sitecustomize.py)
                cmd = [python, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", str(world), "--max-restarts", "0", config["script"], *config["args"]]
                side_env = _child_env(env, site, config["script"], child)
            elif world > 1 and name == "script":
                # a run's script starts its other ranks as Lightning does: `python SCRIPT ARGS`
                side_env = _child_env(env, site, config["script"], child)
            elif world > 1 and is_run:
                # Lightning's launcher starts the other ranks as `python ENTRY ARGS`
                side_env = _child_env(env, site, config["entry"], child)
            # (a model file: Lightning's launcher re-runs this recorder command itself, config and all)
            cwd = os.path.normpath(os.path.join(base, cwd_rel))
            os.makedirs(cwd, exist_ok=True)
            sides.append(Side(name, cmd, cwd, record, env=side_env))
        # the two runs are independent processes: run them at the same time
        started = time.perf_counter()
        # the comparer imports torch while the runs go; it compares once told where the records are
        comparer = subprocess.Popen(
            [python, RECORDER, "compare-stdin", "{}"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        procs = []
        deadline = time.monotonic() + timeout
        marks = (work, RECORDER)  # in the command line of every process of the two sides
        for side in sides:
            out = open(os.path.join(work, f"{side.name}.log"), "w+", encoding="utf-8", errors="replace")
            # each side in a session of its own: whatever of it is left at the end can be ended
            proc = subprocess.Popen(side.cmd, cwd=side.cwd, env=side.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
            procs.append((side, out, proc, time.perf_counter()))
        for side, out, proc, t0 in procs:
            try:
                code = proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                side.timed_out = True
                side.log_at_timeout = os.fstat(out.fileno()).st_size  # what it wrote until then
                try:  # torchrun ends its ranks on SIGTERM
                    os.killpg(proc.pid, signal.SIGTERM)
                    code = proc.wait(timeout=30)
                except (ProcessLookupError, PermissionError, subprocess.TimeoutExpired):
                    pass
                _end_side(proc, side.record, 0.0, marks)
                code = proc.wait()
            else:
                # the other ranks finish their last step (a rank left waiting for one that
                # failed is ended sooner)
                _end_side(proc, side.record, 60.0 if code == 0 else 5.0, marks)
            side.seconds = time.perf_counter() - t0
            out.seek(0)
            side.proc = subprocess.CompletedProcess(side.cmd, code, out.read(), "")
            out.close()
        both = time.perf_counter() - started
        light, script = sides
        if light.proc.returncode == 3 and "Lightning is not importable" in light.proc.stdout:
            comparer.communicate("\n")
            raise VerifyUsage(f"{light.proc.stdout.strip().splitlines()[-1]}\n  = help: {INSTALL_HINT}")
        late = [s for s in sides if s.timed_out]
        if late:
            comparer.communicate("\n")
            lines = []
            for s in late:
                lines.append(
                    f"the {_title(s.name)} did not finish within {timeout:g} s (a rank waiting in a collective for "
                    "another, or a run slower than that): stopped"
                )
                with open(os.path.join(work, f"{s.name}.log"), "rb") as f:
                    before = f.read(s.log_at_timeout).decode("utf-8", errors="replace")
                lines += ["  " + x for x in before.rstrip().splitlines()[-15:]]
            return Outcome(1, lines)
        missing = [s for s in sides if not _recorded(s.record)]
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
        outcome = _verdict(result, sides, steps, atol, warnings, world)
        outcome.timings = {"both_runs": both, "lightning": light.seconds, "script": script.seconds, "compare": compare_seconds}
        return outcome
    finally:
        if comparer is not None and comparer.poll() is None:
            comparer.kill()
            comparer.wait()
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)


def _recorded(folder: str) -> bool:
    return os.path.isdir(folder) and any(re.fullmatch(r"rank\d+\.pt", n) for n in os.listdir(folder))


def _title(name: str) -> str:
    return "Lightning run" if name.lower() == "lightning" else "ejected script"


def _fmt(d) -> str:
    return "inf" if d in ("inf", None) or d == float("inf") else f"{d:.3g}"


def _verdict(result: dict, sides: list[Side], steps: int, atol: float, warnings: list[str], world: int = 1) -> Outcome:
    ranks = result["ranks"]
    first = result["first"]
    lines: list[str] = []
    on = (lambda r: f" on rank {r}") if world > 1 else (lambda r: "")
    both = [r for r in ranks if None not in r["steps"]]
    # a rank one side did not record (killed after another rank failed, or never started)
    absent = [(side, r) for i, side in enumerate(sides) for r in range(world) if not any(x["rank"] == r and x["steps"][i] is not None for x in ranks)]
    # the rank that failed first, first: the others fail after it, in a collective it left
    failed = sorted(
        ((side, r["rank"], r["errors"][i]) for r in ranks for i, side in enumerate(sides) if r["status"][i] == "failed"),
        key=lambda f: next(r["when"][sides.index(f[0])] or 0.0 for r in ranks if r["rank"] == f[1]),
    )
    failed_at = {(side.name, rank): n for n, (side, rank, _e) in enumerate(failed)}
    counts = {n for r in both for n in r["steps"]}
    if first is None and len(counts) == 1 and not failed and not absent:
        n = counts.pop()
        ended = "" if n == steps else f" (the run ended after {n} optimizer steps)"
        if n == 0:
            return Outcome(1, ["nothing to compare: neither side made an optimizer step"])
        worst = result["worst"]
        if worst == 0 or worst == 0.0:
            lines.append(f"bit-exact over {n} steps{ended}")
        else:
            lines.append(f"within atol {atol:g} over {n} steps{ended} (max abs diff {_fmt(worst)})")
        return Outcome(0, lines)
    uneven = [r for r in both if r["steps"][0] != r["steps"][1]]
    shown: set[str] = set()  # the sides whose log tail is shown (one for all its ranks)
    if first is not None:
        k = first["step"]
        where = on(first.get("rank", 0))
        if first["only"]:
            lines.append(f"diverged at step {k}{where}: {first['name']} (only the {_title(first['only'])} has it)")
        else:
            lines.append(f"diverged at step {k}{where}: {first['name']} (max abs diff {_fmt(first['diff'])})")
            if first["lightning"] is not None and first["script"] is not None:
                lines.append(f"  Lightning: {first['lightning']}   ejected script: {first['script']}")
        phases = _phases()
        earlier = [SHORT[p] for p in phases[: phases.index(first["phase"])]] if first["phase"] in phases else []
        lines.append(f"  phase: {first['phase']}" + (f"; in step {k} {', '.join(earlier)} matched" if earlier else ""))
        if k > 1:
            lines.append(f"  steps 1-{k - 1} matched" + (" on every rank" if world > 1 else ""))
        lines.append(f"  hint: {HINTS.get(first['phase'], '')}")
    elif uneven:
        def order(r):
            stopped = sides[0] if r["steps"][0] < r["steps"][1] else sides[1]
            return (min(r["steps"]), failed_at.get((stopped.name, r["rank"]), len(failed)), r["rank"])

        r = min(uneven, key=order)
        n_light, n_script = r["steps"]
        k = min(n_light, n_script) + 1
        stopped = sides[0] if n_light < n_script else sides[1]
        other = sides[1] if stopped is sides[0] else sides[0]
        lines.append(
            f"diverged at step {k}{on(r['rank'])}: the {_title(stopped.name)} made only {min(n_light, n_script)} optimizer steps, "
            f"the {_title(other.name)} {max(n_light, n_script)}"
        )
        if not any(side is stopped for side, _r, _e in failed):
            lines.append("  hint: the runs stop at different points: max_steps/max_epochs/limit flags, or a step one side skips")
    elif failed:
        side, rank, err = failed[0]
        n = next(min(r["steps"]) for r in both if r["rank"] == rank) if any(r["rank"] == rank for r in both) else 0
        lines.append(f"the {_title(side.name)} failed{on(rank)} after {n} optimizer steps (all of them matched): {err}")
        lines += ["    " + x for x in side.proc.stdout.rstrip().splitlines()[-8:]]
        shown.add(side.name)
        failed = failed[1:]
    else:
        side, rank = absent[0]
        lines.append(f"the {_title(side.name)} recorded nothing on rank {rank} (all the ranks recorded matched)")
        lines += ["    " + x for x in side.proc.stdout.rstrip().splitlines()[-8:]]
        absent = absent[1:]
    for side, rank, err in failed:
        lines.append(f"  the {_title(side.name)} failed{on(rank)}: {err}")
        if side.name not in shown:  # one log for all the ranks of a side
            shown.add(side.name)
            lines += ["    " + x for x in side.proc.stdout.rstrip().splitlines()[-8:]]
    for side, rank in absent:
        lines.append(f"  the {_title(side.name)} recorded nothing on rank {rank} (ended after another rank failed?)")
    if warnings:
        lines.append(f"  the ejection carried warnings ({', '.join(warnings)}): see `lgen explain CODE`")
    return Outcome(1, lines)


def _phases() -> list[str]:
    return list(HINTS)
