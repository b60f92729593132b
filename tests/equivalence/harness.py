"""Equivalence harness: run a model under Lightning and under its ejected script.

Both sides run in separate processes with the same environment, so that global
state (RNG, deterministic-algorithm flags, imported model modules) never leaks
between runs. A single-process CPU run is forked from a warm "zygote" that has
imported torch (and Lightning, or lgen's libraries) but run nothing, and that the
child turns into what a fresh ``python ARGS`` would be (zygote.py; tests/test_zygote.py
proves both give the same checkpoints). ``LGEN_TEST_FRESH_PROCESSES=1`` makes every
run a fresh ``python``; distributed and device runs always are.

The Lightning side follows contract section 3 exactly::

    seed_everything(S)
    model = Model()
    trainer = Trainer(accelerator="cpu", devices=1, deterministic=True, logger=False,
                      enable_checkpointing=False, enable_progress_bar=False,
                      enable_model_summary=False, **flags)
    trainer.fit(model)
    trainer.save_checkpoint(path)

``flags`` may also carry ``accelerator`` and ``devices``: they replace the
defaults above (``"cpu"`` and ``1``), so that e.g.
``{"strategy": "ddp", "devices": 2}`` fits with 2 CPU processes (gloo, Lightning's
own "popen" launcher re-running this file once per extra rank). Rank 0 writes the
checkpoint. ``run_torchrun`` runs a plain script under
``python -m torch.distributed.run --standalone --nproc-per-node N``.

Distributed runs use the loopback interface only (``MASTER_ADDR=127.0.0.1``, a
free port, ``GLOO_SOCKET_IFNAME=lo`` on Linux), so they work without a network.

It can also be invoked directly::

    python tests/equivalence/harness.py lightning MODEL.py CLASS "{'max_epochs': 2}" SEED CKPT
"""

from __future__ import annotations

import ast
import importlib
import math
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
MODELS_DIR = HERE / "models"
#: runs an ejected script as ``python SCRIPT ARGS`` and records its callback_metrics (observe.py)
OBSERVE = HERE / "observe.py"
#: suffix of the file, next to a checkpoint, holding the run's callback_metrics at the end of fit
METRICS_SUFFIX = ".callback_metrics"
#: where a run that raised stood (global_step, current_epoch), in its output folder
ERROR_POINT_FILE = "error_point.json"
REPO_ROOT = HERE.parents[1]

#: keys every checkpoint (Lightning's and the ejected script's) must carry
CONTRACT_KEYS = ("state_dict", "optimizer_states", "lr_schedulers", "epoch", "global_step")


class RunError(RuntimeError):
    """A subprocess of the harness failed; the message holds its full output."""

    def __init__(self, what: str, cmd: list[str], proc: subprocess.CompletedProcess):
        self.cmd = cmd
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        super().__init__(
            f"{what} failed with exit code {proc.returncode}\n"
            f"command: {' '.join(map(str, cmd))}\n"
            f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"
        )


def subprocess_env() -> dict[str, str]:
    """The environment both sides run in."""
    env = dict(os.environ)
    env["PYTHONHASHSEED"] = "0"
    env["OMP_NUM_THREADS"] = "1"
    env["MKL_NUM_THREADS"] = "1"
    env.pop("PL_GLOBAL_SEED", None)
    env.pop("PL_SEED_WORKERS", None)
    # make `import lgen` work from the repo without an install
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO_ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    )
    return env


def resolve_model(model: str | os.PathLike) -> Path:
    """A bare file name is looked up in tests/equivalence/models/."""
    p = Path(model)
    if not p.is_absolute() and not p.exists():
        p = MODELS_DIR / p
    return p.resolve()


def _zygote():
    """tests/equivalence/zygote.py, imported only by the caller's process (never by a run)."""
    try:
        from . import zygote  # imported as equivalence.harness
    except ImportError:
        import zygote  # imported as `harness`, with tests/equivalence on sys.path
    return zygote


def _run(
    what: str,
    cmd: list[str],
    cwd: Path,
    timeout: float,
    extra_env: dict[str, str] | None = None,
    preload: tuple[str, ...] | None = None,
) -> subprocess.CompletedProcess:
    """Run ``cmd``; raise RunError on failure or timeout.

    The command runs in its own session (process group): on a timeout the whole
    group is killed, so ranks that a distributed launcher started do not outlive it.

    With ``preload`` (only for ``[sys.executable, ...]`` commands that start no other
    process), the run is forked from a zygote that imported those modules instead of
    starting a fresh interpreter: see zygote.py (LGEN_TEST_FRESH_PROCESSES=1: always fresh).
    """
    cmd = [str(c) for c in cmd]
    env = subprocess_env()
    if extra_env:
        env.update(extra_env)
    how = ""
    try:
        if preload is not None:
            assert cmd[0] == sys.executable and not extra_env, cmd
            if _zygote().enabled():
                how = " (forked from a zygote; LGEN_TEST_FRESH_PROCESSES=1 runs it fresh)"
            done = _zygote().python(cmd[1:], cwd=cwd, env=env, timeout=timeout, preload=preload)
        else:
            done = _zygote().fresh(cmd, cwd=cwd, env=env, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise RunError(
            what + f" (timed out after {timeout}s)" + how,
            cmd,
            subprocess.CompletedProcess(cmd, -1, e.output or "", e.stderr or ""),
        ) from None
    if done.returncode != 0:
        raise RunError(what + how, cmd, done)
    return done


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def distributed_env(port: int | None = None) -> dict[str, str]:
    """Environment for a multi-process gloo run on this machine only (no network needed)."""
    env = {"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port or free_port())}
    if "GLOO_SOCKET_IFNAME" not in os.environ and Path("/sys/class/net/lo").exists():
        env["GLOO_SOCKET_IFNAME"] = "lo"
    return env


def is_distributed(flags: dict[str, Any]) -> bool:
    """Whether these Trainer flags make Lightning start more than one process."""
    devices = flags.get("devices", 1)
    many = isinstance(devices, int) and devices > 1 or isinstance(devices, (list, tuple)) and len(devices) > 1
    strategy = str(flags.get("strategy", "auto"))
    return many or (devices == -1 or devices == "auto") and strategy.startswith("ddp")


# --------------------------------------------------------------------------- Lightning side


def run_lightning(
    model_path: str | os.PathLike,
    class_name: str,
    flags: dict[str, Any],
    seed: int,
    out_dir: str | os.PathLike,
    timeout: float = 300,
) -> Path:
    """Fit the model with Lightning in its own process; return the checkpoint path.

    The subprocess's stdout/stderr are kept in ``out_dir/lightning.log``.
    ``flags`` may carry ``accelerator`` / ``devices`` (defaults ``"cpu"`` / ``1``);
    with ``devices > 1`` (e.g. ``strategy="ddp"``) Lightning launches the other
    ranks itself and rank 0 writes the checkpoint.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ckpt = out_dir / "lightning.ckpt"
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "lightning",
        str(resolve_model(model_path)),
        class_name,
        repr(dict(flags)),
        str(int(seed)),
        str(ckpt),
    ]
    if is_distributed(flags):  # Lightning's launcher starts the other ranks: a real process
        proc = _run("Lightning run", cmd, REPO_ROOT, timeout, extra_env=distributed_env())
    elif flags.get("accelerator", "cpu") != "cpu":  # a device: a real process
        proc = _run("Lightning run", cmd, REPO_ROOT, timeout)
    else:
        preload = _zygote().lightning_preload(resolve_model(model_path))
        proc = _run("Lightning run", cmd, REPO_ROOT, timeout, preload=preload)
    (out_dir / "lightning.log").write_text(
        f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"
    )
    if not ckpt.exists():
        raise RunError("Lightning run (no checkpoint written)", cmd, proc)
    return ckpt


def _load_model_class(model_path: str, class_name: str):
    import hashlib
    import importlib.util

    path = Path(model_path).resolve()
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:10]
    mod_name = f"_lgen_eq_{path.stem}_{digest}"
    spec = importlib.util.spec_from_file_location(mod_name, path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module  # dataclasses / pickling need the module registered
    spec.loader.exec_module(module)
    try:
        return getattr(module, class_name)
    except AttributeError:
        raise SystemExit(f"{path} has no class {class_name!r}") from None


def _lightning_main(model_path: str, class_name: str, flags_src: str, seed: str, ckpt: str) -> None:
    flags = ast.literal_eval(flags_src)
    assert isinstance(flags, dict), flags
    cls = _load_model_class(model_path, class_name)

    # A model written against the standalone `pytorch_lightning` package must be
    # fitted by that package's Trainer (its LightningModule is a different class).
    if any(c.__module__.split(".")[0] == "pytorch_lightning" for c in cls.__mro__):
        from pytorch_lightning import Trainer, seed_everything
    else:
        from lightning.pytorch import Trainer, seed_everything

    distributed = is_distributed(flags)
    accelerator = flags.pop("accelerator", "cpu")
    devices = flags.pop("devices", 1)

    datamodule_name = flags.pop("__datamodule__", None)  # `lgen eject --datamodule NAME`
    seed_everything(int(seed))
    model = cls()
    datamodule = None
    if datamodule_name:  # NAME of the model file, or FILE.py:NAME of another (imported as the project does)
        file, _, name = datamodule_name.rpartition(":")
        if file:
            sys.path.insert(0, str(Path(model_path).resolve().parent))
            module = importlib.import_module(file[: -len(".py")].replace("/", ".").removesuffix(".__init__"))
        else:
            module = sys.modules[cls.__module__]
        datamodule = getattr(module, name)()
    trainer = Trainer(
        accelerator=accelerator,
        devices=devices,
        deterministic=True,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        **flags,
    )
    try:
        trainer.fit(model, datamodule=datamodule)
    except BaseException:
        import json

        point = {"global_step": trainer.global_step, "current_epoch": trainer.current_epoch}
        Path(ckpt).with_name(ERROR_POINT_FILE).write_text(json.dumps(point))
        raise
    if trainer.is_global_zero:  # what the run makes observable besides the checkpoint
        import torch

        metrics = {k: v.detach().cpu() for k, v in trainer.callback_metrics.items()}
        torch.save(metrics, ckpt + METRICS_SUFFIX)
    trainer.save_checkpoint(ckpt)  # rank 0 writes; every rank waits at its barrier
    if distributed:
        _exit_rank(trainer)


def _exit_rank(trainer) -> None:
    """End a distributed rank without the interpreter's shutdown.

    With torch 2.13 and gloo, a rank that ran a DDP backward aborts at interpreter
    exit in a few percent of runs ("terminate called without an active exception").
    Rank 0 (Lightning's launcher) first waits for the ranks it started and fails
    if any of them failed.
    """
    code = 0
    for child in getattr(getattr(trainer.strategy, "launcher", None), "procs", None) or []:
        if child.wait() != 0:
            print(f"rank process {child.pid} exited with {child.returncode}", file=sys.stderr)
            code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


# --------------------------------------------------------------------------- ejected side


def _cli_value(value: Any) -> str:
    if isinstance(value, bool):
        raise TypeError(f"boolean Trainer flags have no lgen CLI form: {value!r}")
    if isinstance(value, (int, float)):
        # repr keeps float-ness: 1.0 -> "1.0" (100 %), 1 -> "1" (one batch)
        return repr(value)
    if value is None:
        return "None"
    return str(value)


def flags_to_cli(flags: dict[str, Any]) -> list[str]:
    """Trainer kwargs -> lgen eject CLI flags, e.g. {"max_epochs": 2} -> ["--max-epochs", "2"].

    Numbers go through repr(), so float-ness survives ("1.0" is 100 %, "1" is one
    batch); None (e.g. check_val_every_n_epoch=None) is passed as "None".
    """
    out: list[str] = []
    for key, value in flags.items():
        out += ["--" + key.replace("_", "-"), _cli_value(value)]
    return out


def run_ejected(
    model_path: str | os.PathLike,
    class_name: str,
    flags: dict[str, Any],
    seed: int,
    out_dir: str | os.PathLike,
    timeout: float = 300,
) -> Path:
    """Eject the model with lgen, run the generated script; return its last.ckpt."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    script = out_dir / "train.py"
    eject_cmd = [
        sys.executable, "-m", "lgen", "eject", str(resolve_model(model_path)),
        "--class", class_name, "-o", str(script), *flags_to_cli(flags),
    ]  # fmt: skip
    _run("lgen eject", eject_cmd, REPO_ROOT, timeout, preload=_zygote().LGEN_PRELOAD)
    if flags.get("strategy") == "ddp":  # the script runs under torchrun, one process per device
        args = ["--seed", str(int(seed)), "--accelerator", "cpu"]
        return run_torchrun(script, int(flags.get("devices", 1)), args, out_dir, timeout)
    run_out = out_dir / "out"
    train_cmd = [
        sys.executable, str(OBSERVE), str(script), "--seed", str(int(seed)),
        "--out-dir", str(run_out), "--accelerator", "cpu",
    ]  # fmt: skip
    proc = _run("ejected script", train_cmd, REPO_ROOT, timeout, preload=_zygote().SCRIPT_PRELOAD)
    (out_dir / "ejected.log").write_text(
        f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"
    )
    ckpt = run_out / "last.ckpt"
    if not ckpt.exists():
        raise RunError("ejected script (no last.ckpt written)", train_cmd, proc)
    return ckpt


def run_script(
    script: str | os.PathLike,
    args: list[str] | tuple[str, ...],
    out_dir: str | os.PathLike,
    timeout: float = 300,
) -> Path:
    """Run a plain (single-process) training script as ``python SCRIPT ARGS``.

    Like ``run_torchrun``: ``--out-dir OUT_DIR/out`` is added unless ``args`` hold
    ``--out-dir``; returns its ``last.ckpt``; output goes to ``out_dir/script.log``.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    args = [str(a) for a in args]
    if "--out-dir" in args:
        run_out = Path(args[args.index("--out-dir") + 1])
    else:
        run_out = out_dir / "out"
        args += ["--out-dir", str(run_out)]
    cmd = [sys.executable, str(OBSERVE), str(Path(script).resolve()), *args]
    on_cpu = "--accelerator" in args and args[args.index("--accelerator") + 1] == "cpu"
    preload = _zygote().SCRIPT_PRELOAD if on_cpu else None  # a device run gets a real process
    proc = _run("script", cmd, REPO_ROOT, timeout, preload=preload)
    (out_dir / "script.log").write_text(
        f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"
    )
    ckpt = run_out / "last.ckpt"
    if not ckpt.exists():
        raise RunError("script (no last.ckpt written)", cmd, proc)
    return ckpt


def run_torchrun(
    script: str | os.PathLike,
    nproc: int,
    args: list[str] | tuple[str, ...],
    out_dir: str | os.PathLike,
    timeout: float = 300,
) -> Path:
    """Run a plain training script as ``torchrun --standalone --nproc-per-node NPROC``.

    ``args`` are the script's own options (e.g. ``["--seed", "1234"]``); unless they
    hold ``--out-dir``, ``--out-dir OUT_DIR/out`` is added. Returns the script's
    ``last.ckpt`` (written by rank 0). Output goes to ``out_dir/torchrun.log``.
    Only the loopback interface is used.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    args = [str(a) for a in args]
    if "--out-dir" in args:
        run_out = Path(args[args.index("--out-dir") + 1])
    else:
        run_out = out_dir / "out"
        args += ["--out-dir", str(run_out)]
    cmd = [
        sys.executable, "-m", "torch.distributed.run", "--standalone",
        "--nproc-per-node", str(int(nproc)), "--max-restarts", "0",
        str(OBSERVE), str(Path(script).resolve()), *args,
    ]  # fmt: skip
    env = distributed_env()
    # torchrun picks its own rendezvous port under --standalone; MASTER_* only
    # matter to a script that reads them before torchrun sets them.
    proc = _run("torchrun script", cmd, REPO_ROOT, timeout, extra_env=env)
    (out_dir / "torchrun.log").write_text(
        f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"
    )
    ckpt = run_out / "last.ckpt"
    if not ckpt.exists():
        raise RunError("torchrun script (no last.ckpt written)", cmd, proc)
    return ckpt


def max_abs_diff(lightning_ckpt: str | os.PathLike, other_ckpt: str | os.PathLike) -> float:
    """Largest absolute difference over the floating tensors of ``state_dict`` and
    ``optimizer_states`` of two checkpoints (0.0: identical; inf: NaN/shape mismatch)."""
    import torch

    a = torch.load(lightning_ckpt, map_location="cpu", weights_only=False)
    b = torch.load(other_ckpt, map_location="cpu", weights_only=True)
    worst = 0.0

    def walk(x: Any, y: Any) -> None:
        nonlocal worst
        if isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor):
            if x.shape != y.shape:
                worst = math.inf
            elif (x.is_floating_point() or x.is_complex()) and x.numel():
                u, v = x.detach().to(torch.float64), y.detach().to(torch.float64)
                d = (u - v).abs()
                d[(u.isnan() & v.isnan()) | ((u == v) & u.isinf())] = 0.0  # the same NaN / inf on both sides
                worst = max(worst, torch.nan_to_num(d, nan=math.inf).max().item())
        elif isinstance(x, dict) and isinstance(y, dict):
            for k in x.keys() & y.keys():
                walk(x[k], y[k])
        elif isinstance(x, (list, tuple)) and isinstance(y, (list, tuple)):
            for u, v in zip(x, y):
                walk(u, v)

    walk(a.get("state_dict"), b.get("state_dict"))
    walk(a.get("optimizer_states"), b.get("optimizer_states"))
    return worst


# --------------------------------------------------------------------------- comparison


def _describe_tensor_diff(a, b) -> str:
    import torch

    if a.dtype != b.dtype:
        return f"dtype {a.dtype} != {b.dtype}"
    if a.shape != b.shape:
        return f"shape {tuple(a.shape)} != {tuple(b.shape)}"
    if a.is_floating_point() or a.is_complex():
        diff = (a.detach().to(torch.float64) - b.detach().to(torch.float64)).abs()
        diff = torch.nan_to_num(diff, nan=float("inf"))
        return f"max abs diff {diff.max().item():.3e}" if diff.numel() else "differs"
    ne = int((a != b).sum().item())
    return f"{ne} of {a.numel()} elements differ"


def _floats_equal(a: float, b: float) -> bool:
    return a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))


def _compare_values(a: Any, b: Any, where: str, out: list[str], atol: float = 0.0) -> None:
    import torch

    a_t, b_t = isinstance(a, torch.Tensor), isinstance(b, torch.Tensor)
    if a_t or b_t:
        if not (a_t and b_t):
            out.append(f"{where}: tensor vs non-tensor ({type(a).__name__} != {type(b).__name__}: {a!r} vs {b!r})")
        elif a.dtype != b.dtype or a.shape != b.shape or not torch.equal(a, b):
            # torch.equal is False for NaN == NaN; accept identical NaN patterns
            if (
                a.dtype == b.dtype
                and a.shape == b.shape
                and a.is_floating_point()
                and torch.equal(torch.isnan(a), torch.isnan(b))
                and torch.equal(torch.nan_to_num(a, nan=0.0), torch.nan_to_num(b, nan=0.0))
            ):
                return
            if (
                atol > 0
                and a.dtype == b.dtype
                and a.shape == b.shape
                and (a.is_floating_point() or a.is_complex())
                and torch.allclose(a, b, rtol=0.0, atol=atol, equal_nan=True)
            ):
                return
            out.append(f"{where}: {_describe_tensor_diff(a, b)}")
        return
    if isinstance(a, dict) and isinstance(b, dict):
        ka, kb = set(a), set(b)
        if ka != kb:
            out.append(
                f"{where}: keys differ; only Lightning: {sorted(map(repr, ka - kb))}, "
                f"only ejected: {sorted(map(repr, kb - ka))}"
            )
        for k in a:
            if k in b:
                _compare_values(a[k], b[k], f"{where}[{k!r}]", out, atol)
        return
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            out.append(f"{where}: length {len(a)} != {len(b)}")
        for i, (x, y) in enumerate(zip(a, b)):
            _compare_values(x, y, f"{where}[{i}]", out, atol)
        return
    if isinstance(a, float) or isinstance(b, float):
        try:
            fa, fb = float(a), float(b)
            if _floats_equal(fa, fb) or (atol > 0 and abs(fa - fb) <= atol):
                return
        except (TypeError, ValueError):
            pass
        out.append(f"{where}: {a!r} != {b!r}")
        return
    try:
        equal = a == b
        equal = bool(equal)
    except Exception:  # noqa: BLE001 - odd objects: fall back to repr
        equal = repr(a) == repr(b)
    if not equal:
        out.append(f"{where}: {a!r} != {b!r}")


def compare(
    lightning_ckpt: str | os.PathLike, ejected_ckpt: str | os.PathLike, atol: float = 0.0
) -> list[str]:
    """Mismatches between the two checkpoints' contract keys (empty list: equivalent).

    ``atol`` 0.0 (the default) means exact: torch.equal for tensors, == otherwise.
    A positive ``atol`` accepts floating tensors/floats within that absolute
    difference (for bf16/16-mixed and DDP cases); mismatches still report the
    max abs difference.
    """
    import torch

    light = torch.load(lightning_ckpt, map_location="cpu", weights_only=False)
    ejected = torch.load(ejected_ckpt, map_location="cpu", weights_only=True)
    out: list[str] = []
    for key in CONTRACT_KEYS:
        if key not in light:
            out.append(f"{key}: missing from the Lightning checkpoint")
        if key not in ejected:
            out.append(f"{key}: missing from the ejected checkpoint")
    if out:
        return out

    # state_dict
    sa, sb = light["state_dict"], ejected["state_dict"]
    if list(sa) != list(sb):
        ka, kb = set(sa), set(sb)
        if ka != kb:
            out.append(
                f"state_dict: keys differ; only Lightning: {sorted(ka - kb)}, only ejected: {sorted(kb - ka)}"
            )
        else:
            out.append("state_dict: same keys in a different order")
    for k in sa:
        if k in sb:
            _compare_values(sa[k], sb[k], f"state_dict[{k!r}]", out, atol)

    # optimizer_states
    oa, ob = light["optimizer_states"], ejected["optimizer_states"]
    if len(oa) != len(ob):
        out.append(f"optimizer_states: {len(oa)} optimizers != {len(ob)}")
    for i, (a, b) in enumerate(zip(oa, ob)):
        _compare_values(a.get("state"), b.get("state"), f"optimizer_states[{i}]['state']", out, atol)
        _compare_values(
            a.get("param_groups"), b.get("param_groups"), f"optimizer_states[{i}]['param_groups']", out, atol
        )
        extra = (set(a) | set(b)) - {"state", "param_groups"}
        for k in sorted(extra, key=repr):
            _compare_values(a.get(k), b.get(k), f"optimizer_states[{i}][{k!r}]", out, atol)

    # lr_schedulers
    _compare_values(light["lr_schedulers"], ejected["lr_schedulers"], "lr_schedulers", out, atol)

    for key in ("global_step", "epoch"):
        if light[key] != ejected[key]:
            out.append(f"{key}: Lightning {light[key]!r} != ejected {ejected[key]!r}")

    # save_hyperparameters(): Lightning writes them where the model has any
    if "hyper_parameters" in light or "hyper_parameters" in ejected:
        _compare_values(
            dict(light.get("hyper_parameters") or {}),
            dict(ejected.get("hyper_parameters") or {}),
            "hyper_parameters",
            out,
        )

    # trainer.callback_metrics at the end of fit: every key, exact values (atol for precision)
    light_metrics = Path(str(lightning_ckpt) + METRICS_SUFFIX)
    ejected_metrics = Path(str(ejected_ckpt) + METRICS_SUFFIX)
    if light_metrics.exists():
        if not ejected_metrics.exists():
            out.append(f"callback_metrics: the ejected run recorded none ({ejected_metrics})")
        else:
            _compare_values(
                torch.load(light_metrics, map_location="cpu", weights_only=True),
                torch.load(ejected_metrics, map_location="cpu", weights_only=True),
                "callback_metrics",
                out,
                atol,
            )
    return out


def assert_equivalent(case, tmp_path: str | os.PathLike) -> None:
    """Run ``case`` (a cases.Case) on both sides and assert the checkpoints agree."""
    tmp_path = Path(tmp_path)
    model = resolve_model(case.model)
    light = run_lightning(model, case.cls, case.flags, case.seed, tmp_path / "lightning")
    ejected = run_ejected(model, case.cls, case.flags, case.seed, tmp_path / "ejected")
    problems = compare(light, ejected, atol=getattr(case, "atol", 0.0))
    assert not problems, f"case {case.name}: {len(problems)} mismatch(es)\n  " + "\n  ".join(problems)


if __name__ == "__main__":
    if len(sys.argv) == 7 and sys.argv[1] == "lightning":
        _lightning_main(*sys.argv[2:])
    else:
        raise SystemExit(
            "usage: harness.py lightning MODEL.py CLASS FLAGS_REPR SEED CKPT_PATH"
        )
