"""`lgen verify`'s recorder: runs ONE side of a verification in the user's interpreter.

This file is package data. The `lgen` package never imports it (lgen never imports torch);
`lgen verify` runs it as a file, `python recorder.py MODE CONFIG_JSON`, once for the Lightning
run, once for the ejected script, and once more to compare what they recorded:

- `record`: installs the same recording on either side -- torch's global optimizer step
  post-hook (`torch.optim.optimizer.register_optimizer_step_post_hook`) and a wrapper around
  `torch.autograd.backward` -- then runs the side: the entry as `__main__` (a run), a
  `Trainer` built from the eject flags as contract section 3 says (a model file), or the
  ejected script as `__main__`. After every optimizer step it keeps, in this order,

    1. the losses the step's backward passes were given,
    2. every parameter's gradient as the step applied it,
    3. every parameter after the step,
    4. every optimizer's state and param_groups,
    5. every scheduler's `state_dict()`,
    6. `callback_metrics` (Lightning's read without its caching side effect),

  and after step N it writes the records and ends the process (exit 0) at once, so neither
  side runs anything after the step the comparison ends on.
- `compare`: loads both records and prints, as one JSON line, the first entry that differs
  (step, phase, name, max abs diff) and the largest difference seen.

Nothing here changes what a side computes: the post-hook only reads (the script's
`calls_closure_first` looks at the global *pre*-hooks, which are left alone), reading clones.
"""

import sys

# This folder is sys.path[0] when run as a file; nothing in it may shadow a module.
if __name__ == "__main__" and sys.path and sys.path[0]:
    del sys.path[0]

import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import runpy  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

PHASES = (
    "backward (the loss)",
    "optimizer.step (the gradients it applied)",
    "after optimizer.step (the parameters)",
    "after optimizer.step (the optimizer state)",
    "the scheduler state",
    "callback_metrics",
)


class _State:
    steps = 0
    limit = 0
    out = None
    records = []
    losses = []
    trainer = None  # Lightning side
    names = None  # id(param) -> name
    saved = False
    exit = os._exit
    pid = None  # the recorded process (not a process forked from it)


def _clone(value):
    import torch

    if isinstance(value, torch.Tensor):
        return value.detach().to("cpu", copy=True)
    if isinstance(value, dict):
        return {k: _clone(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_clone(v) for v in value) if not hasattr(value, "_fields") else [_clone(v) for v in value]
    if isinstance(value, (int, float, bool, str, type(None))):
        return value
    # another object (a scheduler's lambda, ...): its type only, a repr may hold its address
    return f"<{type(value).__module__}.{type(value).__qualname__}>"


def _strip(name):
    while name.startswith("module."):  # a DistributedDataParallel wrapper's prefix
        name = name[len("module.") :]
    return name


def _script_view():
    """(model, optimizers, schedulers, callback_metrics) of the ejected script: its `loop` and
    `model`, read off the frames that run the loop."""
    import torch

    loop = model = None
    frame = sys._getframe(2)
    while frame is not None:
        f_locals = frame.f_locals
        candidate = f_locals.get("loop")
        if loop is None and candidate is not None and hasattr(candidate, "optimizers") and hasattr(candidate, "global_step"):
            loop = candidate
        m = f_locals.get("model")
        if model is None and isinstance(m, torch.nn.Module):
            model = m
        s = f_locals.get("self")
        if model is None and isinstance(s, torch.nn.Module) and hasattr(s, "loop"):
            model = s
        frame = frame.f_back
    if loop is None or model is None:
        raise RuntimeError("lgen verify: the ejected script's `loop` / `model` were not found around optimizer.step()")
    return model, list(loop.optimizers), list(getattr(loop, "lr_schedulers", []) or []), dict(getattr(loop, "callback_metrics", {}))


def _lightning_view():
    trainer = _State.trainer
    if trainer is None:
        raise RuntimeError("lgen verify: optimizer.step() ran outside a Lightning Trainer")
    connector = trainer._logger_connector
    metrics = dict(connector._callback_metrics)
    if trainer._results:  # what `trainer.callback_metrics` returns, without updating its cache
        metrics.update(connector.metrics["callback"])
    schedulers = [config.scheduler for config in trainer.lr_scheduler_configs]
    return trainer.lightning_module, list(trainer.optimizers), schedulers, metrics


def _record(optimizer, view):
    model, optimizers, schedulers, metrics = view()
    if _State.names is None:
        _State.names = {id(p): _strip(n) for n, p in model.named_parameters()}
    names = _State.names
    entries = []
    for i, loss in enumerate(_State.losses):
        entries.append((0, "loss" if len(_State.losses) == 1 else f"loss[{i}]", loss))
    _State.losses = []
    params = list(model.named_parameters())
    stepped = next((i for i, o in enumerate(optimizers) if o is optimizer or getattr(o, "optimizer", None) is optimizer), -1)
    entries.append((1, "the optimizer that stepped", stepped))
    for n, p in params:
        entries.append((1, f"grad of {_strip(n)}", _clone(p.grad)))
    for n, p in params:
        entries.append((2, _strip(n), _clone(p)))
    for i, opt in enumerate(optimizers):
        opt = getattr(opt, "optimizer", opt) if not hasattr(opt, "state") else opt
        for j, group in enumerate(opt.param_groups):
            for key, value in group.items():
                if key != "params":
                    entries.append((3, f"optimizer[{i}].param_groups[{j}].{key}", _clone(value)))
            for p in group["params"]:
                for key, value in opt.state.get(p, {}).items():
                    entries.append((3, f"optimizer[{i}].state[{names.get(id(p), '?')}].{key}", _clone(value)))
    for i, scheduler in enumerate(schedulers):
        for key, value in scheduler.state_dict().items():
            entries.append((4, f"scheduler[{i}].{key}", _clone(value)))
    for key, value in metrics.items():
        entries.append((5, f"callback_metrics[{key!r}]", _clone(value)))
    _State.records.append(entries)


def _rank():
    """This process's global rank: torch.distributed's once it has a group, else the launcher's
    environment (torchrun's RANK, Lightning's LOCAL_RANK on one node), else 0."""
    torch = sys.modules.get("torch")
    distributed = getattr(torch, "distributed", None) if torch is not None else None
    try:
        if distributed is not None and distributed.is_available() and distributed.is_initialized():
            return distributed.get_rank()
    except Exception:
        pass
    return int(os.environ.get("RANK", os.environ.get("LOCAL_RANK", "0")) or 0)


def _save(status, error=None):
    """Write this rank's records (once): `OUT/rank{r}.pt`, whole or not at all."""
    import torch

    if _State.saved or os.getpid() != _State.pid:  # not in a forked DataLoader worker
        return
    _State.saved = True
    os.makedirs(_State.out, exist_ok=True)
    path = os.path.join(_State.out, f"rank{_rank()}.pt")
    # when: which rank failed first (the others fail after it, in a collective it left)
    torch.save({"status": status, "error": error, "when": time.time(), "records": _State.records}, path + ".part")
    os.replace(path + ".part", path)


def _wait_for_ranks():
    """Lightning's rank 0 started the other ranks (its launcher re-ran the command): it ends
    only after they have, so that the side is over when its first process is."""
    launcher = getattr(getattr(_State.trainer, "strategy", None), "launcher", None)
    for proc in list(getattr(launcher, "procs", None) or []):
        try:
            proc.wait()
        except (OSError, subprocess.SubprocessError):
            pass


def _stop():
    """After step N: this rank's records, then the process ends at once (every rank stops after
    the same step: each runs the same steps, and nothing collective follows a step's update)."""
    _save("stopped")
    _wait_for_ranks()
    sys.stdout.flush()
    sys.stderr.flush()
    _State.exit(0)


def _install(view, bare=False):
    import torch
    import torch.optim.optimizer as optim_module

    if bare:  # bench/verify_overhead.py: the same runs, stopped at the same step, nothing recorded

        def count(optimizer, args, kwargs):
            _State.steps += 1
            if _State.steps >= _State.limit:
                _stop()

        optim_module.register_optimizer_step_post_hook(count)
        return

    backward = torch.autograd.backward

    def recorded_backward(tensors, *args, **kwargs):
        t = tensors[0] if isinstance(tensors, (list, tuple)) and len(tensors) == 1 else tensors
        if isinstance(t, torch.Tensor) and t.numel() == 1:
            _State.losses.append(t.detach().to("cpu", copy=True))
        return backward(tensors, *args, **kwargs)

    torch.autograd.backward = recorded_backward

    def post_hook(optimizer, args, kwargs):
        _State.steps += 1
        _record(optimizer, view)
        if _State.steps >= _State.limit:
            _stop()

    optim_module.register_optimizer_step_post_hook(post_hook)


def _seed_lightning(seed):
    """The Lightning side of `--seed S`: seed first, and every `seed_everything(...)` the run
    calls takes S instead (what the script's `--seed` does for a run)."""
    import importlib

    from lightning.fabric.utilities import seed as seed_module

    original = seed_module.seed_everything

    def seed_everything(seed_=None, workers=False, verbose=True):
        return original(seed, workers=workers, verbose=verbose)

    for name in ("lightning.fabric.utilities.seed", "lightning.fabric", "lightning.pytorch", "lightning"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if getattr(module, "seed_everything", None) is original:
            module.seed_everything = seed_everything
    original(seed)


def _register_trainer(overrides):
    """Keep the Trainer the run makes; for a run, the flags given to `lgen verify` replace its
    arguments, as they replaced them in the ejected script."""
    from lightning.pytorch.trainer import trainer as trainer_module

    init = trainer_module.Trainer.__init__

    def recorded_init(self, *args, **kwargs):
        init(self, *args, **{**kwargs, **overrides})
        _State.trainer = self

    trainer_module.Trainer.__init__ = recorded_init


def _run_path(path, args):
    sys.argv = [path, *args]
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    runpy.run_path(path, run_name="__main__")


def _preseed(seed):
    """Both sides start from the same RNG states (the run's own seeding, if any, follows)."""
    import random

    import torch

    random.seed(seed)
    try:
        import numpy
    except ImportError:
        pass
    else:
        numpy.random.seed(seed)
    torch.manual_seed(seed)


def _exit_hook(code=0):
    """The script's own `os._exit` (a DDP script ends with one): its records first. (A forked
    process, a DataLoader worker, ends through it too: it writes nothing.)"""
    _save("ended" if code == 0 else "failed", None if code == 0 else f"os._exit({code!r})")
    sys.stdout.flush()
    sys.stderr.flush()
    _State.exit(code)


def record(config):
    _State.limit = config["steps"]
    _State.out = config["out"]
    side = config["side"]
    _State.pid = os.getpid()
    os._exit = _exit_hook
    # this process's id, for `lgen verify` to end a rank left behind (torchrun's ranks run in
    # sessions of their own)
    os.makedirs(_State.out, exist_ok=True)
    open(os.path.join(_State.out, f"pid-{os.getpid()}"), "w").close()
    if config.get("preseed") is not None:
        _preseed(config["preseed"])
    try:
        if side == "script":
            _install(_script_view, config.get("bare", False))
            _run_path(config["script"], config["args"])
        else:
            try:
                __import__("lightning.pytorch")
            except ImportError as e:
                print(f"lgen verify: Lightning is not importable here: {e}", file=sys.stderr)
                sys.exit(3)
            _register_trainer(config["trainer"] if config["mode"] == "run" else {})
            _install(_lightning_view, config.get("bare", False))
            if config.get("seed") is not None and config["mode"] == "run":
                _seed_lightning(config["seed"])
            if config["mode"] == "run":
                _run_path(config["entry"], config["args"])
            else:
                _fit_model(config)
    except SystemExit as e:
        if e.code not in (0, None):
            _save("failed", f"SystemExit({e.code!r})")
            raise
    except BaseException as e:
        _save("failed", f"{type(e).__name__}: {e}")
        raise
    _save("ended")
    _wait_for_ranks()


def child(config):
    """Another rank of a side, started by Lightning's launcher or torchrun as `python FILE ARGS`:
    `lgen verify`'s sitecustomize.py runs it here, recorded as the first rank is, with the
    arguments it was given, and ends the process."""
    import traceback

    config = dict(config, args=sys.argv[1:])
    code = 0
    try:
        record(config)
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        if e.code is not None and not isinstance(e.code, int):
            print(e.code, file=sys.stderr)
    except BaseException:
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    _State.exit(code)


def _fit_model(config):
    """Contract section 3's Lightning run for a model file without a run."""
    import importlib.util

    from lightning.pytorch import Trainer, seed_everything

    path = os.path.abspath(config["entry"])
    sys.path.insert(0, os.path.dirname(path))
    spec = importlib.util.spec_from_file_location("_lgen_verify_model", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    seed_everything(config["seed"], verbose=False)
    model = getattr(module, config["class"])()
    datamodule = None
    if config.get("datamodule"):  # `--datamodule [FILE.py:]NAME`, FILE as reached from here
        file, _, name = config["datamodule"].rpartition(":")
        if file and os.path.abspath(file) != path:
            spec = importlib.util.spec_from_file_location("_lgen_verify_datamodule", os.path.abspath(file))
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module
            spec.loader.exec_module(module)
        datamodule = getattr(module, name)()
    trainer = Trainer(
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        **config["trainer"],
    )
    trainer.fit(model, datamodule=datamodule)


# --------------------------------------------------------------------------- comparison


def _diff(a, b):
    """(equal, max abs diff) of two recorded values (tensors, numbers, containers)."""
    import torch

    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        if not (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)):
            return False, math.inf
        if a.dtype != b.dtype or a.shape != b.shape:
            return False, math.inf
        if torch.equal(a, b):
            return True, 0.0
        if not (a.is_floating_point() or a.is_complex()):
            return False, math.inf
        u, v = a.to(torch.float64), b.to(torch.float64)
        d = (u - v).abs()
        d[(u.isnan() & v.isnan()) | ((u == v) & u.isinf())] = 0.0
        worst = torch.nan_to_num(d, nan=math.inf).max().item() if d.numel() else 0.0
        return worst == 0.0, worst
    if isinstance(a, dict) and isinstance(b, dict):
        if list(a) != list(b):
            return False, math.inf
        return _many(_diff(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            return False, math.inf
        return _many(_diff(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, (int, float)) or isinstance(b, float) and isinstance(a, (int, float)):
        if a == b or (math.isnan(a) and math.isnan(b)):
            return True, 0.0
        return False, abs(a - b) if not (math.isnan(a) or math.isnan(b)) else math.inf
    return a == b, (0.0 if a == b else math.inf)


def _many(pairs):
    equal, worst = True, 0.0
    for e, w in pairs:
        equal = equal and e
        worst = max(worst, w)
    return equal, worst


def _load_side(folder):
    """{rank: its records} of one side's record folder."""
    import re

    import torch

    ranks = {}
    for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
        match = re.fullmatch(r"rank(\d+)\.pt", name)
        if match:
            ranks[int(match.group(1))] = torch.load(os.path.join(folder, name), weights_only=False)
    return ranks


def _first_difference(ra, rb, atol):
    """(the first entry over `atol` in one rank's records, the largest difference up to it)."""
    worst, first = 0.0, None
    for k, (ea, eb) in enumerate(zip(ra, rb), start=1):
        da = {(p, n): v for p, n, v in ea}
        db = {(p, n): v for p, n, v in eb}
        for key in list(da) + [key for key in db if key not in da]:
            phase, name = key
            if key not in da or key not in db:
                found = {"step": k, "phase": PHASES[phase], "name": name, "diff": None, "only": "script" if key not in da else "Lightning"}
            else:
                equal, d = _diff(da[key], db[key])
                if equal:
                    continue
                worst = max(worst, d)
                if d <= atol:
                    continue
                found = {"step": k, "phase": PHASES[phase], "name": name, "diff": d, "only": None}
                found["lightning"], found["script"] = _short(da[key]), _short(db[key])
            first = first or found
            break
        if first is not None:
            break
    return first, worst


def compare(config):
    """Rank by rank; the first difference is the earliest step, then the earliest phase in it,
    then the lowest rank (under DDP a loss that differs on one rank shows in every rank's
    averaged gradients: the loss is where it began)."""
    a = _load_side(config["lightning"])
    b = _load_side(config["script"])
    atol = config["atol"]
    worst, first, ranks = 0.0, None, []
    for rank in sorted(set(a) | set(b)):
        ea, eb = a.get(rank), b.get(rank)
        ranks.append(
            {
                "rank": rank,
                "steps": [None if e is None else len(e["records"]) for e in (ea, eb)],
                "status": [None if e is None else e["status"] for e in (ea, eb)],
                "errors": [None if e is None else e["error"] for e in (ea, eb)],
                "when": [None if e is None else e.get("when") for e in (ea, eb)],
            }
        )
        if ea is None or eb is None:
            continue
        found, w = _first_difference(ea["records"], eb["records"], atol)
        worst = max(worst, w)
        if found is not None:
            found["rank"] = rank
            order = (found["step"], PHASES.index(found["phase"]), rank)
            if first is None or order < (first["step"], PHASES.index(first["phase"]), first["rank"]):
                first = found
    print(json.dumps({"ranks": ranks, "first": first, "worst": worst if worst != math.inf else "inf"}))


def _short(value):
    import torch

    if isinstance(value, torch.Tensor):
        return None if value.numel() != 1 else repr(value.item())
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


if __name__ == "__main__":
    mode, config = sys.argv[1], json.loads(sys.argv[2])
    if mode == "record":
        record(config)
    elif mode == "compare":
        compare(config)
    elif mode == "compare-stdin":
        # started next to the runs, so that importing torch costs nothing after them
        __import__("torch")

        line = sys.stdin.readline()
        if line.strip():
            compare(json.loads(line))
    else:
        raise SystemExit(f"usage: {sys.argv[0]} record|compare CONFIG_JSON")
