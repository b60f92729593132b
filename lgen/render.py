"""Stage 5: LoopPlan + rewritten module -> script text, through the Jinja templates."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import jinja2

from lgen.plan import LoopPlan
from lgen.pytext import pyrepr

_HERE = Path(__file__).resolve().parent


def templates_dir() -> Path:
    """Inside the wheel the templates sit in the package; in a checkout, at the top level."""
    for candidate in (_HERE / "templates", _HERE.parent / "templates"):
        if (candidate / "train.py.jinja").is_file():
            return candidate
    raise FileNotFoundError("lgen's templates are missing from the installation")


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Jinja's own on-disk cache of compiled templates, or None where it cannot be used.

    Compiling the templates costs about 45 ms a run, a sixth of the import floor
    (bench/eject_latency.py); loading them compiled costs 2 ms. Entries are keyed by the
    template's path and checked against its source's hash, so an edited template is recompiled;
    the folder is Jinja's per-user one in the temp directory, which Jinja refuses to use unless
    the user owns it and no one else may write to it. Failures to read or write it are ignored.
    """
    if os.environ.get("LGEN_NO_CACHE"):
        return None
    try:
        return jinja2.FileSystemBytecodeCache()
    except (RuntimeError, OSError):
        return None


def cache_dir(name: str) -> str | None:
    """A private folder of lgen's own inside Jinja's per-user cache folder (which Jinja makes, or
    refuses unless only this user may write to it), or None: `LGEN_NO_CACHE` set, or no usable
    folder. Caches are keyed by content hashes; failures to use them are ignored."""
    cache = _bytecode_cache()
    if cache is None:
        return None
    path = os.path.join(cache.directory, name)
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
    except OSError:
        return None
    return path


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        bytecode_cache=_bytecode_cache(),
    )
    env.filters["pyrepr"] = pyrepr
    return env


def static_trainer_attrs(plan: LoopPlan) -> dict[str, str]:
    """`self.trainer.<attr>` values that are constants of the run, as Python source."""
    attrs = {
        "accumulate_grad_batches": "ACCUMULATE_GRAD_BATCHES" if plan.accumulate != 1 else "1",
        "gradient_clip_val": pyrepr(plan.clip_val),
        "gradient_clip_algorithm": pyrepr(plan.clip_algorithm),
        "check_val_every_n_epoch": pyrepr(plan.check_val_every_n_epoch),
        "num_sanity_val_steps": pyrepr(plan.num_sanity_val_steps),
        "val_check_interval": pyrepr(plan.val_check_interval),
        "limit_train_batches": pyrepr(plan.limit_train_batches),
        "limit_val_batches": pyrepr(plan.limit_val_batches),
        "global_rank": 'int(os.environ["RANK"])' if plan.ddp else "0",
        "local_rank": 'int(os.environ["LOCAL_RANK"])' if plan.ddp else "0",
        "world_size": 'int(os.environ["WORLD_SIZE"])' if plan.ddp else "1",
        "is_global_zero": 'os.environ["RANK"] == "0"' if plan.ddp else "True",
        "num_devices": 'int(os.environ["WORLD_SIZE"])' if plan.ddp else "1",  # one node
        "sanity_checking": "False",  # True during the sanity check's validation
    }
    if plan.ddp and plan.run is not None:
        # a run under DDP: the Trainer's ranks, known before fit starts the processes (the loop
        # keeps `world_size` itself)
        del attrs["world_size"]
        attrs |= {"global_rank": "self.rank", "local_rank": 'int(os.environ.get("LOCAL_RANK", 0))', "is_global_zero": "self.rank == 0"}
    return attrs


def render(plan: LoopPlan, *, header: str, model_module: str, future_imports: str, script_name: str, flags, stdlib_imports, import_torch, utilities=frozenset()) -> str:
    template = environment().get_template("train.py.jinja")
    return template.render(
        plan=plan,
        flags=flags,
        header=header,
        model_module=model_module,
        future_imports=future_imports,
        script_name=script_name,
        stdlib_imports=stdlib_imports,
        import_torch=import_torch,
        utilities=utilities,
        loop_static_attrs=static_trainer_attrs(plan),
        # Lightning's `_batches_that_stepped` (+ 1 once the batch's step is taken): the logger's
        # step; the global step under automatic optimization, the batches under manual
        stepped="loop.global_step" if plan.automatic else "loop.batches_stepped",
    )
