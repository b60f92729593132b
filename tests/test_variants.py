"""Faithful or loud, as a class of bugs: the equivalence models with their facts moved out of reach.

Each variant takes a model of `tests/equivalence/models/` and rewrites it so that a fact lgen
reads off the syntax today can only be known at run time, as in real code:

* `step_through_helper`: `training_step` returns what a helper returns, through a value lgen
  cannot follow (so the script reads the output at run time, as Lightning does);
* `no_batch_idx`: `training_step` / `validation_step` take `(self, batch, *rest)`;
* `decorated_steps`: the steps sit behind a `functools.wraps` decorator, which hides their
  signature from lgen (Lightning follows `__wrapped__`);
* `log_through_helper`: `self.log(name, value)` calls go through one helper shared by
  training and validation (the on_step/on_epoch defaults depend on the running hook);
* `scheduler_factory`: schedulers are built by a factory function (their class is unknown);
* `monitor_attribute`: a scheduler's `"monitor"` is read from an attribute set in `__init__`.

Each variant must either eject and match Lightning 2.6.6 bit for bit (contract section 3), or be
refused with a located diagnostic (exit 1, `file:line:col: LGEN...`) and nothing written. An
exit-0 ejection that fails or trains differently where Lightning runs fails the test.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import libcst as cst
import pytest
from equivalence.cases import CASES
from equivalence.harness import compare, flags_to_cli, resolve_model, run_lightning, run_script
from equivalence.zygote import LGEN_PRELOAD, python

REPO = Path(__file__).resolve().parents[1]
STEPS = ("training_step", "validation_step")


class _InClass(cst.CSTTransformer):
    """Edits one class (the model); module-level additions go in `self.module_code`."""

    def __init__(self, cls: str):
        self.cls = cls
        self.depth = 0
        self.changed = False
        self.module_code: list[str] = []
        self.imports: list[str] = []

    def visit_ClassDef(self, node):
        self.depth += node.name.value == self.cls
        return True

    def leave_ClassDef(self, original, updated):
        if original.name.value != self.cls:
            return updated
        self.depth -= 1
        return self.leave_model(updated)

    def leave_model(self, updated):
        return updated


def _method(cls: cst.ClassDef, name: str) -> cst.FunctionDef | None:
    return next((s for s in cls.body.body if isinstance(s, cst.FunctionDef) and s.name.value == name), None)


def _replace_method(cls: cst.ClassDef, name: str, new: list[cst.BaseStatement]) -> cst.ClassDef:
    body = []
    for s in cls.body.body:
        if isinstance(s, cst.FunctionDef) and s.name.value == name:
            body += new
        else:
            body.append(s)
    return cls.with_changes(body=cls.body.with_changes(body=body))


class StepThroughHelper(_InClass):
    def leave_model(self, cls):
        fn = _method(cls, "training_step")
        if fn is None or fn.decorators:
            return cls
        params = [p.name.value for p in fn.params.params][1:]
        if fn.params.star_arg is not cst.MaybeSentinel.DEFAULT or fn.params.kwonly_params or fn.params.star_kwarg:
            return cls
        self.changed = True
        impl = fn.with_changes(name=cst.Name("_training_step_impl"))
        args = ", ".join(params)
        wrapper = cst.parse_statement(
            f"def training_step(self, {args}):\n"
            f"    (result,) = (self._training_step_impl({args}),)  # a value lgen cannot follow\n"
            f"    return result\n"
        )
        return _replace_method(cls, "training_step", [impl, wrapper])


class NoBatchIdx(_InClass):
    def leave_model(self, cls):
        for name in STEPS:
            fn = _method(cls, name)
            if fn is None or fn.decorators:
                continue
            params = fn.params.params
            if len(params) != 3 or params[2].name.value != "batch_idx" or params[2].default is not None:
                continue
            self.changed = True
            sig = f"def {name}(self, {params[1].name.value}, *rest):\n    batch_idx = rest[0]\n"
            head = cst.parse_statement(sig)
            new = fn.with_changes(
                params=head.params,
                body=fn.body.with_changes(body=[*head.body.body, *fn.body.body]),
            )
            cls = _replace_method(cls, name, [new])
        return cls


class DecoratedSteps(_InClass):
    def leave_model(self, cls):
        for name in STEPS:
            fn = _method(cls, name)
            if fn is None or fn.decorators:
                continue
            self.changed = True
            cls = _replace_method(cls, name, [fn.with_changes(decorators=[cst.Decorator(cst.Name("_traced"))])])
        if self.changed:
            self.imports.append("import functools")
            self.module_code.append(
                "def _traced(fn):\n"
                "    @functools.wraps(fn)\n"
                "    def wrapper(*args, **kwargs):\n"
                "        return fn(*args, **kwargs)\n\n"
                "    return wrapper\n"
            )
        return cls


class LogThroughHelper(_InClass):
    """`self.log(name, value)` (two positional arguments, nothing else) -> `self._emit(name, value)`."""

    def leave_Call(self, original, updated):
        f = updated.func
        if (
            self.depth
            and isinstance(f, cst.Attribute)
            and isinstance(f.value, cst.Name)
            and f.value.value == "self"
            and f.attr.value == "log"
            and len(updated.args) == 2
            and all(a.keyword is None and not a.star for a in updated.args)
        ):
            self.changed = True
            return updated.with_changes(func=f.with_changes(attr=cst.Name("_emit")))
        return updated

    def leave_model(self, cls):
        if not self.changed:
            return cls
        helper = cst.parse_statement("def _emit(self, name, value):\n    self.log(name, value)\n")
        return cls.with_changes(body=cls.body.with_changes(body=[*cls.body.body, helper]))


_SCHEDULER = re.compile(r"^(torch\.optim\.lr_scheduler|lr_scheduler|optim\.lr_scheduler)\.\w+$")


class SchedulerFactory(_InClass):
    """`torch.optim.lr_scheduler.X(args)` -> `_build_scheduler(torch.optim.lr_scheduler.X, args)`."""

    def leave_Call(self, original, updated):
        if not self.depth:
            return updated
        name = cst.Module([]).code_for_node(updated.func)
        if not _SCHEDULER.match(name) and not name.endswith(("LR", "LROnPlateau")):
            return updated
        self.changed = True
        args = [cst.Arg(updated.func), *updated.args]
        return cst.Call(cst.Name("_build_scheduler"), [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in args])

    def leave_model(self, cls):
        if self.changed:
            self.module_code.append("def _build_scheduler(cls, *args, **kwargs):\n    return cls(*args, **kwargs)\n")
        return cls


class MonitorAttribute(_InClass):
    """`"monitor": "val_loss"` in configure_optimizers -> `"monitor": self._monitor_0` set in `__init__`."""

    def __init__(self, cls):
        super().__init__(cls)
        self.values: list[str] = []

    def leave_DictElement(self, original, updated):
        if (
            self.depth
            and isinstance(updated.key, cst.SimpleString)
            and updated.key.evaluated_value == "monitor"
            and isinstance(updated.value, cst.SimpleString)
        ):
            self.changed = True
            self.values.append(updated.value.value)
            return updated.with_changes(value=cst.parse_expression(f"self._monitor_{len(self.values) - 1}"))
        return updated

    def leave_model(self, cls):
        init = _method(cls, "__init__")
        if not self.changed or init is None:
            self.changed = False
            return cls
        sets = [cst.parse_statement(f"self._monitor_{i} = {v}") for i, v in enumerate(self.values)]
        new = init.with_changes(body=init.body.with_changes(body=[*init.body.body, *sets]))
        return _replace_method(cls, "__init__", [new])


VARIANTS = {
    "step_through_helper": StepThroughHelper,
    "no_batch_idx": NoBatchIdx,
    "decorated_steps": DecoratedSteps,
    "log_through_helper": LogThroughHelper,
    "scheduler_factory": SchedulerFactory,
    "monitor_attribute": MonitorAttribute,
}


@functools.lru_cache(maxsize=None)
def _parsed(path: Path) -> cst.Module:
    return cst.parse_module(path.read_text())


@functools.lru_cache(maxsize=None)
def make_variant(path: Path, cls: str, variant: str) -> str | None:
    """The model file with `variant` applied to class `cls`; None when it changes nothing."""
    module = _parsed(path)
    t = VARIANTS[variant](cls)
    module = module.visit(t)
    if not t.changed:
        return None
    body = list(module.body)
    last_import = max((i for i, s in enumerate(body) if isinstance(s, cst.SimpleStatementLine) and isinstance(s.body[0], (cst.Import, cst.ImportFrom))), default=-1)
    added = [cst.parse_statement(line) for line in t.imports] + [cst.parse_statement(code) for code in t.module_code]
    body[last_import + 1 : last_import + 1] = added
    return module.with_changes(body=body).code


def _base_cases():
    """One case per model class (its first, non-DDP), as listed in equivalence/cases.py."""
    seen, out = set(), []
    for case in CASES:
        key = (case.model, case.cls)
        if key in seen or case.flags.get("strategy") == "ddp" or case.model == "runtime_facts.py":
            continue
        seen.add(key)
        out.append(case)
    return out


def _params():
    out = []
    for case in _base_cases():
        for variant in VARIANTS:
            if make_variant(resolve_model(case.model), case.cls, variant) is not None:
                out.append(pytest.param(case, variant, id=f"{variant}-{case.name}"))
    return out


LOCATED = re.compile(r"^model\.py:\d+:\d+: LGEN\d{3} error: ", re.M)


@pytest.mark.slow
@pytest.mark.parametrize("case,variant", _params())
def test_variant_matches_lightning_or_is_refused(case, variant, tmp_path):
    source = make_variant(resolve_model(case.model), case.cls, variant)
    model = tmp_path / "model.py"
    model.write_text(source)
    args = ["-m", "lgen", "eject", "model.py", "--class", case.cls, "-o", "train.py", *flags_to_cli(case.flags)]
    eject = python(args, cwd=tmp_path, preload=LGEN_PRELOAD)
    assert "Traceback" not in eject.stderr, eject.stderr
    if eject.returncode == 1:  # refused: loud, located, nothing written
        assert LOCATED.search(eject.stderr), eject.stderr
        assert not (tmp_path / "train.py").exists()
        return
    assert eject.returncode == 0, eject.stderr
    ours = run_script(tmp_path / "train.py", ["--seed", str(case.seed), "--accelerator", "cpu", "--out-dir", str(tmp_path / "out")], tmp_path)
    theirs = run_lightning(model, case.cls, case.flags, case.seed, tmp_path / "lightning")
    problems = compare(theirs, ours)
    assert problems == [], f"{variant} of {case.name} ejected (exit 0) but differs from Lightning:\n" + "\n".join(problems)
