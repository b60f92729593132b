"""Stage 3: ModelFacts + Flags -> LoopPlan, or diagnostics.

Every decision about the generated loop is made here and recorded as a field of the frozen
LoopPlan; templates only test those fields.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import libcst as cst

from lgen.diagnostics import Diagnostic
from lgen.inspect import ModelFacts, dotted, hooks_reaching, qualname
from lgen.lightning_api import INERT_HOOKS, LIGHTNING_MODULE_MEMBERS, LOG_DEFAULTS, LOOP_HOOKS, REJECTED_HOOKS, TRAINER_ATTRIBUTES
from lgen.manual import follow_optimizers
from lgen.options import Flags
from lgen.pytext import pyrepr


@dataclass(frozen=True)
class SchedulerPlan:
    name: str  # variable name in the script
    expr: str  # how to reach it in configure_optimizers' return value (`config`)
    interval: str
    frequency: int
    plateau: bool | None  # None: lgen cannot see its class; the script decides as Lightning does
    monitor: str | None
    strict: bool
    # what only the run can tell (Lightning decides it at fit start; so does the script):
    # how the script reaches the monitor when it is not a literal or the kind is unknown
    monitor_expr: str | None = None
    in_dict: bool = False  # given as a scheduler dict (Lightning's monitor error message differs)
    check_api: bool = False  # class unknown: Lightning's scheduler API checks run in the script
    config_name: str | None = None  # the scheduler dict's "name" (LearningRateMonitor's column)

    @property
    def runtime_monitor(self) -> bool:
        return self.monitor_expr is not None


@dataclass(frozen=True)
class RunPlan:
    """The entry's run as the script carries it out (absent for a model file)."""

    trainer_name: str
    # where fit's data comes from: "model" (its hooks), "datamodule" or "loaders" (given to fit)
    train_source: str
    val_source: str | None  # None: fit has no validation data
    datamodule: str | None  # the datamodule's class
    datamodule_hooks: frozenset[str]
    fit_params: tuple[str, ...]  # the script's `fit` parameters after (model, loop)
    evaluations: tuple[str, ...]  # "test" / "validate" / "predict" calls after fit, in order
    deterministic: bool
    limit_test_batches: int | float
    reads: frozenset[str]  # `trainer.<attr>` the entry reads
    seed_workers: bool = False  # `seed_everything(..., workers=True)`: loaders get Lightning's worker_init_fn
    # the files Lightning writes by default (contract §5): its CSVLogger (or TensorBoardLogger,
    # decided at run time as Lightning does) and its ModelCheckpoint
    logger: bool = False
    checkpointing: bool = False
    log_every_n_steps: int = 50
    log_hparams: bool = False  # save_hyperparameters() without logger=False: hparams.yaml
    eval_ckpt: frozenset[str] = frozenset()  # validate / test / predict calls that load a checkpoint
    # `Trainer(callbacks=[...])`: the kinds of callback the run has (the script's classes of
    # Lightning's names; "ModelCheckpoint" also for the default one when checkpointing is on), and
    # whether one acts in `on_validation_end` (save_on_train_epoch_end / check_on_train_epoch_end False)
    callbacks: tuple[str, ...] = ()
    callback_validation_end: bool = False
    # a ModelCheckpoint(every_n_train_steps=N > 0): it saves in on_train_batch_end
    checkpoint_train_steps: bool = False
    # "validation" / "test": their batch hooks log `on_step=True` values, which Lightning's
    # default logger writes as a metrics.csv row per batch
    step_rows: frozenset[str] = frozenset()
    # a `predict` call passes `return_predictions`: the script's predict keeps and returns the
    # predictions unless it is False, as Lightning's prediction loop
    predict_return_arg: bool = False
    # the user's own `Callback` subclasses (kind "Callback"): the hooks they define that the script
    # calls, the trainer attributes they read, whether they set `trainer.should_stop`
    user_hooks: frozenset[str] = frozenset()
    callback_reads: frozenset[str] = frozenset()
    user_stop: bool = False
    model_callbacks: bool = False  # the model's `configure_callbacks()`, merged in at fit's start
    # the run's loggers are objects the script keeps as Lightning's Trainer (`loop.loggers`,
    # `loop.logger`, `loop.log_dir`): the Trainer is given a logger expression (a `CSVLogger(...)`,
    # a list, what the entry computes), or the code reads `trainer.logger` / `self.logger`; with
    # `logger` on, the script holds a plain `CSVLogger` class and the default logger is one
    logger_class: bool = False
    logger_arg: bool = False  # some Trainer is given a `logger=` expression: `make_loop(logger=...)`
    # several Trainers, some without an EarlyStopping: `trainer.early_stopping_callback` is None there
    early_stopping_optional: bool = False
    # a fit called again on the same Trainer: its loops at their limit, it trains no further
    refit: bool = False

    @property
    def files(self) -> bool:
        return self.logger or self.checkpointing or bool(self.callbacks)
    # no run and no data lgen is shown: the script's `fit` takes the Trainer's arguments and
    # decides the data at run time as Lightning's data connector does (train/val source "given")
    api: bool = False
    # `lgen eject MODEL.py --datamodule NAME`: the script's main fits on `NAME()`
    main_datamodule: str | None = None
    # the evaluation calls: each method's data ("loaders": its `dataloaders`, "datamodule": its
    # `datamodule`, "model": the model's `*_dataloader` hook), as Lightning's `attach_data` picks it
    eval_sources: tuple[tuple[str, str], ...] = ()
    limit_predict_batches: int | float = 1.0
    eval_methods: frozenset[str] = frozenset()  # the model's test/predict hooks and steps
    eval_batch_idx: frozenset[str] = frozenset()  # test_step / predict_step that take batch_idx
    # the script's function for each evaluation method: the method's name, or `lgen_<method>`
    # where the entry binds that name itself (`test = DataLoader(...)`)
    call_names: tuple[tuple[str, str], ...] = ()
    verbose_methods: frozenset[str] = frozenset()  # validate / test called with verbose (the default)
    # methods called with a list of several loaders, and how many (Lightning's CombinedLoader in
    # "sequential" mode: `*_step(batch, batch_idx, dataloader_idx)`, `/dataloader_idx_N` names)
    eval_loaders: tuple[tuple[str, int], ...] = ()
    # the run's Trainers compute or differ in max_epochs / max_steps: `make_loop(...)` takes each
    # one's (the script's --max-epochs / --max-steps, when given, replace them all)
    site_limits: bool = False
    # the Trainers' literal arguments that differ (gradient_clip_val): `make_loop(...)` takes each one's
    site_values: tuple[str, ...] = ()
    # the datamodule's `save_hyperparameters(...)`: its `datamodule_hyper_parameters` in the
    # checkpoints (`maybe_empty`: decided at run time, as Lightning's `if obj.hparams`), and
    # whether the model's / the datamodule's go to the logger's hparams.yaml (logger=True)
    datamodule_hparams: bool = False
    # Trainer(benchmark=...) when given (None: Lightning leaves cudnn's flag alone unless
    # deterministic), and Trainer(inference_mode=False): validate / test / predict under no_grad
    benchmark: bool | None = None
    inference_mode: bool = True
    # Trainer(min_epochs=...): a stop a callback asks for waits until as many epochs are done
    # (Lightning's `_can_stop_early`)
    min_epochs: int = 0
    datamodule_hparams_maybe_empty: bool = False
    model_logs_hparams: bool = False
    datamodule_logs_hparams: bool = False

    @property
    def logged_hparams(self) -> str:
        """What the logger's hparams.yaml holds (Lightning's `_log_hyperparams`)."""
        if self.model_logs_hparams and self.datamodule_logs_hparams:
            return "merged_hparams(model, loop)"
        return "dict(loop.datamodule.hparams)" if self.datamodule_logs_hparams else "dict(model.hparams)"

    def loaders(self, method: str) -> int:
        """How many loaders `method` is given (1: one loader, as a loader or a hook's)."""
        return dict(self.eval_loaders).get(method, 1)

    @property
    def single_loader_methods(self) -> tuple[str, ...]:
        return tuple(m for m in self.evaluations if self.loaders(m) == 1)

    @property
    def multi_print(self) -> bool:
        """The results table has a column per loader (some verbose call is given several)."""
        return any(self.loaders(m) > 1 for m in self.verbose_methods)

    def call_name(self, method: str) -> str:
        return dict(self.call_names).get(method, method)

    def source(self, method: str) -> str:
        return dict(self.eval_sources)[method]

    def eval_has(self, hook: str) -> bool:
        return hook in self.eval_methods

    def loader(self, stage: str) -> str:
        """The expression that gives fit's loader for "train" / "val" (the model's hook, the
        datamodule's, what was given to fit, or what fit's arguments decide at run time)."""
        source = self.train_source if stage == "train" else self.val_source
        if source == "given":
            return f"{stage}_dataloader(model, loop)"
        if source == "loaders":
            expr = f"loop.{stage}_dataloaders"
        elif source == "datamodule":
            expr = f"loop.datamodule.{stage}_dataloader()"
        else:
            expr = f"model.{stage}_dataloader()"
        return f"seed_workers({expr})" if self.seed_workers else expr


@dataclass(frozen=True)
class LoopPlan:
    class_name: str
    automatic: bool
    # Trainer flags, resolved
    max_epochs: int
    max_steps: int
    accumulate: int
    clip_val: int | float | None
    clip_algorithm: str | None
    clip: bool  # the default clipping hook clips (gradient_clip_val > 0)
    precision: str
    accelerator: str
    num_sanity_val_steps: int
    check_val_every_n_epoch: int | None
    limit_train_batches: int | float
    limit_val_batches: int | float
    val_check_interval: int | float | None
    # the model
    hooks: frozenset[str]
    config_form: str  # "single", "list", "two_lists", "dict", "dicts"
    optimizer_exprs: tuple[str, ...]
    schedulers: tuple[SchedulerPlan, ...]
    step_returns: frozenset[str]  # subset of {"tensor", "dict", "none", "unknown"}
    validation: bool
    logs: bool
    trainer_attrs: frozenset[str]
    data_before_optimizers: bool
    hparams: bool
    clip_gradients_call: bool
    # whether `training_step` / `validation_step` take `batch_idx` (Lightning's
    # is_param_in_hook_signature); None: a decorator hides the signature, the script reads it
    training_step_batch_idx: bool | None = True
    validation_step_batch_idx: bool | None = True
    # manual optimization: the loop services the translated calls use ("optimizer_step",
    # "toggle_optimizer", "untoggle_optimizer", "toggled_optimizer", "toggle_model",
    # "manual_backward" (only when backward hooks surround it))
    services: frozenset[str] = frozenset()
    # --strategy ddp: the script runs under torchrun, one process per device
    ddp: bool = False
    devices: int = 1
    sync_dist: bool = False  # some `self.log(..., sync_dist=True)` under ddp
    # the `optimizer_step` override needs Lightning's LightningOptimizer (it reaches `.optimizer`,
    # calls the closure itself, ...): the script hands it a wrapper and the bare closure
    wrap_optimizer: bool = False
    # an optimizer lgen cannot tell statically from a scheduler: the script checks it as Lightning does
    check_optimizers: bool = False
    # how many loaders fit's validation data is: 1, several (a list or tuple: Lightning's
    # CombinedLoader in "sequential" mode, `validation_step(batch, batch_idx, dataloader_idx)`,
    # `/dataloader_idx_N` names), or 0 where only the run tells (the script decides as Lightning)
    val_loaders: int = 1
    # decided at run time: the first of the step / batch hooks without `dataloader_idx`
    # (Lightning raises when there are several loaders)
    val_idx_missing: str | None = None
    # a `self.log` in a helper reached by training_step and a training epoch hook leaves its
    # on_step/on_epoch to Lightning's defaults: the loop marks when an epoch hook runs
    log_epoch_hook: bool = False
    # the project mentions torchmetrics: `self.log` / `self.log_dict` may get a `Metric` /
    # `MetricCollection`, which only the run tells (the script checks it as Lightning does)
    torchmetrics: bool = False
    run: RunPlan | None = None
    # what save_hyperparameters saves may be empty at run time (`**kwargs` only, ...): Lightning
    # then writes no `hyper_parameters` into its checkpoints, and the script decides it the same way
    hparams_maybe_empty: bool = False

    def loader(self, stage: str) -> str:
        return self.run.loader(stage) if self.run is not None else f"model.{stage}_dataloader()"

    @property
    def validation_fn(self) -> str:
        """The name of fit's validation run (`validate` is the entry's `trainer.validate` when it calls that)."""
        return "validation_run" if self.run is not None and "validate" in self.run.evaluations else "validate"

    # derived conveniences for templates (still pure functions of the fields above)
    @property
    def may_skip_step(self) -> bool:
        """`training_step` may return None (Lightning then skips backward and, alone, the step)."""
        return bool(self.step_returns & {"none", "unknown"})

    @property
    def stage_enum(self) -> bool:
        """`setup(stage)` / `teardown(stage)` are called: the script passes Lightning's TrainerFn."""
        hooks = {"setup", "teardown"}
        return bool(hooks & self.hooks) or (self.run is not None and (self.run.api or bool(hooks & (self.run.datamodule_hooks | self.run.user_hooks))))

    @property
    def has_schedulers(self) -> bool:
        return bool(self.schedulers)

    # the schedulers the loop steps (none under manual optimization: the model steps them)
    def _looped(self, interval, plateau):
        if not self.automatic:
            return []
        # a scheduler whose kind only the run tells sits at both sites, each guarded by that kind
        return [s for s in self.schedulers if s.interval == interval and s.plateau in (plateau, None)]

    @property
    def runtime_schedulers(self):
        """Schedulers with a monitor or kind that the script decides when configuring them."""
        return [s for s in self.schedulers if self.automatic and s.runtime_monitor]

    @property
    def api_checked_schedulers(self):
        return [s for s in self.schedulers if self.automatic and s.check_api]

    @property
    def step_schedulers(self):
        return self._looped("step", False)

    @property
    def epoch_schedulers(self):
        return self._looped("epoch", False)

    @property
    def plateau_step_schedulers(self):
        return self._looped("step", True)

    @property
    def plateau_epoch_schedulers(self):
        return self._looped("epoch", True)

    # precision (Lightning's precision plugins): what surrounds the `*_step` calls
    @property
    def autocast(self) -> bool:
        return self.precision in ("bf16-mixed", "16-mixed")

    @property
    def half(self) -> bool:  # "bf16-true": the module, batches and default dtype in bfloat16
        return self.precision == "bf16-true"

    @property
    def scaler(self) -> bool:  # "16-mixed": a GradScaler, on CUDA (on CPU Lightning runs bf16-mixed)
        return self.precision == "16-mixed"

    @property
    def step_context(self) -> bool:
        return self.autocast or self.half

    @property
    def validation_mid_epoch(self) -> bool:
        """Validation may run before an epoch's last batch (Lightning's `val_check_batch`)."""
        return self.validation and (self.check_val_every_n_epoch is None or self.val_check_interval not in (1.0, None))

    @property
    def after_closure(self) -> bool:
        """Something runs between the closure and the optimizer step: the pre-step hook or clipping."""
        return self.has("on_before_optimizer_step") or self.has("configure_gradient_clipping") or self.clip or (self.run is not None and "on_before_optimizer_step" in self.run.user_hooks)

    @property
    def val_multi(self) -> bool:
        """Fit's validation may run over several loaders (known, or decided at run time)."""
        return self.validation and self.val_loaders != 1

    @property
    def multi_loaders(self) -> bool:
        """Some loop runs over several loaders (the sequential loader, `/dataloader_idx_N` names)."""
        return self.val_multi or bool(self.run is not None and self.run.eval_loaders)

    @property
    def sanity_check(self) -> bool:
        return self.validation and self.num_sanity_val_steps != 0

    def has(self, hook: str) -> bool:
        return hook in self.hooks

    def transfer(self, hook: str, method: str = "fit") -> str | None:
        """Who runs a batch-transfer hook in `method`'s loops: the datamodule that call was given
        where it overrides the hook (Lightning's `_DataHookSelector`), else the model where it
        defines it, else nobody (None)."""
        run = self.run
        if run is not None and run.datamodule and hook in run.datamodule_hooks:
            source = run.train_source if method == "fit" else run.source(method)
            if source == "datamodule":
                return "loop.datamodule"
        return "model" if self.has(hook) else None

    def step_args(self, hook: str) -> str:
        """The arguments the loop passes to `training_step` / `validation_step`, as Lightning does."""
        takes = self.training_step_batch_idx if hook == "training_step" else self.validation_step_batch_idx
        if takes is None:
            return f"*(batch, batch_idx)[: loop.{hook}_nargs]"
        return "batch, batch_idx" if takes else "batch"

    @property
    def signature_at_run_time(self) -> tuple[str, ...]:
        """The step hooks whose signature the script reads at run time."""
        out = () if self.training_step_batch_idx is not None else ("training_step",)
        if self.validation and self.validation_step_batch_idx is None:
            out += ("validation_step",)
        return out


class _OneFunction(cst.CSTVisitor):
    """Visits the body of one function, not of the functions nested in it."""

    def __init__(self):
        self.depth = 0

    def visit_FunctionDef(self, node):
        self.depth += 1
        return self.depth == 1

    def leave_FunctionDef(self, node):
        self.depth -= 1


class _Returns(_OneFunction):
    """`return` statements of one function."""

    def __init__(self):
        super().__init__()
        self.returns: list[cst.Return] = []

    def visit_Lambda(self, node):
        return False

    def visit_Return(self, node):
        self.returns.append(node)


def returns_of(fn: cst.FunctionDef) -> list[cst.Return]:
    v = _Returns()
    fn.visit(v)
    return v.returns


class _Assigns(_OneFunction):
    def __init__(self):
        super().__init__()
        self.values: dict[str, list[cst.BaseExpression]] = {}

    def visit_Assign(self, node: cst.Assign):
        for t in node.targets:
            self._bind(t.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign):
        if node.value is not None:
            self._bind(node.target, node.value)

    def visit_AugAssign(self, node):
        self._bind(node.target, None)

    def visit_For(self, node):
        self._bind(node.target, None)

    def visit_WithItem(self, node):
        if node.asname is not None:
            self._bind(node.asname.name, None)

    def _bind(self, t, value):
        if isinstance(t, cst.Name):
            self.values.setdefault(t.value, []).append(value)
        elif isinstance(t, (cst.Tuple, cst.List)):
            for el in t.elements:
                self._bind(el.value, None)


def local_values(fn: cst.FunctionDef) -> dict[str, cst.BaseExpression]:
    """Names assigned exactly once in the function, with the value assigned."""
    v = _Assigns()
    fn.visit(v)
    return {k: vals[0] for k, vals in v.values.items() if len(vals) == 1 and vals[0] is not None}


def _resolve(expr, env, depth=0):
    while isinstance(expr, cst.Name) and expr.value in env and depth < 20:
        expr = env[expr.value]
        depth += 1
    return expr


def _literal(expr):
    """A literal str/int/float/bool/None, else raise ValueError."""
    if isinstance(expr, cst.SimpleString):
        return expr.evaluated_value
    if isinstance(expr, cst.Integer):
        return int(expr.value.replace("_", ""), 0)
    if isinstance(expr, cst.Float):
        return float(expr.value.replace("_", ""))
    if isinstance(expr, cst.Name) and expr.value in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[expr.value]
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        value = _literal(expr.expression)
        if isinstance(value, (int, float)):  # `-"x"`, `-None` are not literals (Python raises)
            return -value
    raise ValueError


def _dict_items(d: cst.Dict):
    out = {}
    for el in d.elements:
        if not isinstance(el, cst.DictElement):
            return None
        try:
            key = _literal(el.key)
        except ValueError:
            return None
        if not isinstance(key, str):
            return None
        out[key] = el.value
    return out


class PlanError(Exception):
    def __init__(self, diag: Diagnostic):
        self.diag = diag


# Lightning's words (core/optimizer.py `_configure_optimizers`) for a form it does not know
UNKNOWN_CONFIGURATION = (
    "Unknown configuration for model optimizers. Output from `model.configure_optimizers()` should be one of:"
    ' `Optimizer`, [`Optimizer`], ([`Optimizer`], [`LRScheduler`]),'
    ' {"optimizer": `Optimizer`, (optional) "lr_scheduler": `LRScheduler`}'
)
UNKNOWN_CONFIGURATION_HELP = 'return `[optimizer], [scheduler]` or `{"optimizer": optimizer, "lr_scheduler": scheduler}`'


def _optimizer_kind(facts, expr, env) -> str | None:
    """What stands where Lightning expects an optimizer: "optimizer", "scheduler", or None (unknown)."""
    expr = _resolve(expr, env)
    if not isinstance(expr, cst.Call):
        return None
    q = qualname(expr.func, facts.imports) or ""
    if q.startswith("torch.optim.lr_scheduler.") or (q.startswith("transformers.") and "schedule" in q.rsplit(".", 1)[-1]):
        return "scheduler"
    if q.startswith("torch.optim.") and not q.startswith("torch.optim.swa_utils."):
        return "optimizer"
    if "." not in q and _scheduler_kind(facts, expr, env) is not None:
        # a class of the file deriving from a scheduler (`_scheduler_kind` is False for any torch.optim base)
        for stmt in facts.module.body:
            if isinstance(stmt, cst.ClassDef) and stmt.name.value == q:
                bases = [qualname(b.value, facts.imports) or "" for b in stmt.bases]
                if any(b.startswith("torch.optim.lr_scheduler.") or b.split(".")[-1] == PLATEAU for b in bases):
                    return "scheduler"
    return None


def _check_optimizer_elements(facts, nodes, env) -> bool:
    """Raise Lightning's error where a scheduler stands for an optimizer; whether any is unknown."""
    unknown = False
    for node in nodes:
        kind = _optimizer_kind(facts, node, env)
        if kind == "scheduler":
            raise PlanError(
                facts.diag(
                    "LGEN208",
                    node,
                    f"`configure_optimizers` returns an LR scheduler where Lightning expects an optimizer; Lightning raises \"{UNKNOWN_CONFIGURATION}\"",
                    UNKNOWN_CONFIGURATION_HELP,
                )
            )
        unknown |= kind is None
    return unknown


def analyze_optimizers(facts: ModelFacts, automatic: bool = True):
    """configure_optimizers' return value -> (form, optimizer access exprs, schedulers).

    Under manual optimization Lightning ignores a scheduler's settings (the model steps it), so
    only where each scheduler sits is read.
    """
    fn = facts.methods.get("configure_optimizers")
    if fn is None:
        raise PlanError(facts.diag("LGEN207", facts.cls.name, "the class defines no `configure_optimizers`", "return an optimizer from `configure_optimizers`"))
    env = local_values(fn)
    rets = returns_of(fn)
    if not rets:
        raise PlanError(facts.diag("LGEN207", fn.name, "`configure_optimizers` returns nothing", "return an optimizer"))
    shapes = []
    unknown = False  # an optimizer lgen cannot tell from a scheduler: checked at run time
    for r in rets:
        shapes.append(_config_shape(facts, r, env, automatic))
        unknown |= _optimizers_unknown(facts, r, env)
    first = shapes[0]
    for r, s in zip(rets[1:], shapes[1:]):
        if s != first:
            raise PlanError(
                facts.diag("LGEN201", r, "`configure_optimizers` returns different structures on different paths", "return the same form (same number of optimizers and schedulers, same settings) on every path")
            )
    return (*first, unknown)


def _optimizers_unknown(facts, ret: cst.Return, env) -> bool:
    """Where Lightning checks that each optimizer is one (the bare, list and two-list forms), raise
    its error for a scheduler there; whether any is of a kind lgen cannot tell statically."""
    expr = _resolve(ret.value, env)
    if isinstance(expr, (cst.List, cst.Tuple)):
        elements = [el.value for el in expr.elements]
        if all(isinstance(_resolve(e, env), cst.Dict) for e in elements):
            return False
        if len(elements) == 2 and isinstance(_resolve(elements[0], env), cst.List):
            elements = [e.value for e in _resolve(elements[0], env).elements]
        return _check_optimizer_elements(facts, elements, env)
    if isinstance(expr, cst.Dict):
        return False  # Lightning takes the dict's "optimizer" as it is
    return _check_optimizer_elements(facts, [ret.value], env)


def _config_shape(facts, ret: cst.Return, env, automatic=True):
    if ret.value is None:
        raise PlanError(facts.diag("LGEN207", ret, "`configure_optimizers` returns None", "return an optimizer"))
    expr = _resolve(ret.value, env)
    path = "config"

    def bad(node, what):
        return PlanError(facts.diag("LGEN201", node, f"cannot read the return value of `configure_optimizers` statically: {what}", "return one of Lightning's forms written out, e.g. `return [optimizer], [scheduler]`"))

    if isinstance(expr, cst.Name) and expr.value == "None":
        raise PlanError(facts.diag("LGEN207", ret, "`configure_optimizers` returns None", "return an optimizer"))
    if isinstance(expr, cst.Dict):
        items = _dict_items(expr)
        if items is None or "optimizer" not in items:
            raise bad(expr, 'a dict needs string keys and an "optimizer" key')
        scheds = []
        if "lr_scheduler" in items:
            scheds.append(_scheduler(facts, items["lr_scheduler"], env, f'{path}["lr_scheduler"]', items.get("monitor"), top_dict=True, automatic=automatic))
        return ("dict", (f'{path}["optimizer"]',), tuple(scheds))
    if isinstance(expr, (cst.List, cst.Tuple)):
        elements = [_resolve(el.value, env) for el in expr.elements]
        if any(isinstance(el, cst.StarredElement) for el in expr.elements):
            raise bad(expr, "starred elements")
        if len(elements) == 2 and isinstance(elements[0], cst.List):
            opts = [_resolve(e.value, env) for e in elements[0].elements]
            for o in opts:
                if isinstance(o, (cst.List, cst.Tuple, cst.Dict)):
                    raise bad(o, "an optimizer that is a collection")
            opt_exprs = tuple(f"{path}[0][{i}]" for i in range(len(opts)))
            second = elements[1]
            if isinstance(second, (cst.List, cst.Tuple)):
                scheds = tuple(_scheduler(facts, e.value, env, f"{path}[1][{j}]", None, automatic=automatic) for j, e in enumerate(second.elements))
            else:
                scheds = (_scheduler(facts, second, env, f"{path}[1]", None, automatic=automatic),)
            return ("two_lists", opt_exprs, scheds)
        if elements and all(isinstance(e, cst.Dict) for e in elements):
            opt_exprs, scheds = [], []
            for i, d in enumerate(elements):
                items = _dict_items(d)
                if items is None or "optimizer" not in items:
                    raise bad(d, 'each dict needs string keys and an "optimizer" key')
                opt_exprs.append(f'{path}[{i}]["optimizer"]')
                if "lr_scheduler" in items:
                    scheds.append(_scheduler(facts, items["lr_scheduler"], env, f'{path}[{i}]["lr_scheduler"]', None, top_dict=True, in_list=True, automatic=automatic))
            return ("dicts", tuple(opt_exprs), tuple(scheds))
        for e in elements:
            if isinstance(e, (cst.List, cst.Tuple, cst.Dict)):
                raise bad(e, "a nested collection Lightning would reject (`([optimizers], [schedulers])` needs a list first)")
        if not elements:
            raise bad(expr, "an empty collection")
        return ("list", tuple(f"{path}[{i}]" for i in range(len(elements))), ())
    if isinstance(expr, (cst.ListComp, cst.GeneratorExp, cst.DictComp)):
        raise bad(expr, "a comprehension")
    if isinstance(expr, cst.Call) and dotted(expr.func) in ("dict", "list", "tuple"):
        raise bad(expr, f"a `{dotted(expr.func)}(...)` call")
    return ("single", (path,), ())


PLATEAU = "ReduceLROnPlateau"


def _scheduler_kind(facts, expr, env) -> bool | None:
    """True for ReduceLROnPlateau, False for another scheduler, None if unknown."""
    expr = _resolve(expr, env)
    if not isinstance(expr, cst.Call):
        return None
    q = qualname(expr.func, facts.imports) or ""
    last = q.split(".")[-1]
    if last == PLATEAU:
        return True
    if q.startswith("torch.optim") or q.startswith("transformers."):
        return False
    # a scheduler class defined in the same file: look at its bases
    for stmt in facts.module.body:
        if isinstance(stmt, cst.ClassDef) and stmt.name.value == q:
            for b in stmt.bases:
                bq = qualname(b.value, facts.imports) or ""
                if bq.split(".")[-1] == PLATEAU:
                    return True
                if bq.startswith("torch.optim"):
                    return False
    return None


def _scheduler(facts, expr, env, path, top_monitor, top_dict=False, in_list=False, automatic=True) -> SchedulerPlan:
    expr_r = _resolve(expr, env)
    if not automatic:  # `self.lr_schedulers()` hands out the scheduler objects; nothing else matters
        if isinstance(expr_r, cst.Dict):
            items = _dict_items(expr_r)
            if items is None or "scheduler" not in items:
                raise PlanError(facts.diag("LGEN201", expr_r, 'a scheduler dict needs string keys and a "scheduler" key', 'write {"scheduler": scheduler}'))
            path = f'{path}["scheduler"]'
        return SchedulerPlan("", path, "manual", 1, False, None, True)
    settings = {}
    runtime = {}  # settings that are not literals: how the script reads them from `config`
    sched_expr = expr_r
    access = path
    if isinstance(expr_r, cst.Dict):
        items = _dict_items(expr_r)
        if items is None or "scheduler" not in items:
            raise PlanError(facts.diag("LGEN201", expr_r, 'a scheduler dict needs string keys and a "scheduler" key', 'write {"scheduler": scheduler, "interval": "step"}'))
        for key in ("interval", "frequency", "monitor", "strict", "reduce_on_plateau", "name"):
            if key in items:
                try:
                    settings[key] = _literal(_resolve(items[key], env))
                except ValueError:
                    if key != "monitor":
                        raise PlanError(facts.diag("LGEN203", items[key], f"the scheduler's `{key}` is not a literal", f'write it out, e.g. "{key}": ...'))
                    runtime[key] = f'{path}["{key}"]'
        sched_expr = items["scheduler"]
        access = f'{path}["scheduler"]'
        monitor = settings.get("monitor")
        monitor_expr = runtime.get("monitor", pyrepr(monitor))
    else:
        monitor = None
        monitor_expr = "None"
    interval = settings.get("interval", "epoch")
    frequency = settings.get("frequency", 1)
    strict = settings.get("strict", True)
    if interval not in ("step", "epoch"):
        raise PlanError(facts.diag("LGEN206", expr_r, f'the scheduler `interval` is {interval!r}; Lightning accepts "step" or "epoch"', 'use "step" or "epoch"'))
    if not isinstance(frequency, int) or isinstance(frequency, bool) or frequency < 1:
        raise PlanError(facts.diag("LGEN206", expr_r, f"the scheduler `frequency` is {frequency!r}; it must be a positive int", "use a positive int"))
    kind = _scheduler_kind(facts, sched_expr, env)
    # Lightning: scheduler.get("reduce_on_plateau", isinstance(scheduler, ReduceLROnPlateau))
    plateau = bool(settings["reduce_on_plateau"]) if "reduce_on_plateau" in settings else kind  # None: the run tells
    # a bare scheduler in the single-dict form takes the dict's top-level `monitor`
    if monitor is None and not isinstance(expr_r, cst.Dict) and top_dict and not in_list and top_monitor is not None:
        try:
            monitor = _literal(_resolve(top_monitor, env))
            monitor_expr = pyrepr(monitor)
        except ValueError:
            monitor_expr = 'config["monitor"]'
    in_dict = isinstance(expr_r, cst.Dict) or in_list  # Lightning wraps a bare one of the dicts form
    if plateau and monitor is None and monitor_expr == "None":
        raise PlanError(facts.diag("LGEN205", sched_expr, "a ReduceLROnPlateau scheduler has no `monitor`; Lightning raises", 'return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "monitor": "val_loss"}}'))
    if plateau is False or (plateau and monitor is not None):  # decided here, as today
        monitor_expr = None
    return SchedulerPlan("", access, interval, frequency, plateau, monitor if plateau else None, bool(strict), monitor_expr, in_dict, kind is None, settings.get("name"))


_ARITHMETIC = (cst.Add, cst.Subtract, cst.Multiply, cst.Divide, cst.FloorDivide, cst.Modulo, cst.Power, cst.MatrixMultiply)
_NOT_TENSOR = (cst.Tuple, cst.List, cst.Set, cst.SimpleString, cst.ConcatenatedString, cst.FormattedString, cst.Integer, cst.Float, cst.Imaginary, cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.Lambda)


class _Bindings(_Assigns):
    """Every value bound to each local name (None where the value cannot be read: loop targets,
    unpacking, `with ... as`); augmented arithmetic keeps the name's kind and is not recorded."""

    def visit_AugAssign(self, node: cst.AugAssign):
        if not isinstance(node.operator, tuple(getattr(cst, n.__name__ + "Assign") for n in _ARITHMETIC)):
            self._bind(node.target, None)

    def visit_NamedExpr(self, node):
        self._bind(node.target, node.value)


class _ReturnKinds:
    """What a function returns, read statically: "tensor", "dict" (with its keys, or None when
    they cannot be read), "none", or "unknown" (the script then decides at run time, as Lightning
    does). Follows `self.method(...)` calls into the class and calls of torch's functions."""

    def __init__(self, facts: ModelFacts):
        self.facts = facts
        self.stack: list[str] = []

    def of_method(self, name: str) -> list[tuple[str, cst.CSTNode]]:
        """[(kind, the node that makes it)] for each way `name` can return."""
        fn = self.facts.methods[name]
        if name in self.stack or len(self.stack) > 8:
            return [("unknown", fn.name)]
        self.stack.append(name)
        try:
            v = _Bindings()
            fn.visit(v)
            out = []
            for r in returns_of(fn):
                if r.value is None:
                    out.append(("none", r))
                else:
                    # a bad value names its type: ("bad:tuple", the return)
                    out += [(f"bad:{type(n).__name__.lower()}" if k == "bad" else k, r) for k, n in self.of_expr(r.value, v.values, 0)]
            body = fn.body.body
            if not body or not _ends_with_return(body[-1]):
                out.append(("none", fn.name))
            return out
        finally:
            self.stack.pop()

    def of_expr(self, expr, env, depth) -> list[tuple[str, cst.CSTNode]]:
        if depth > 20:
            return [("unknown", expr)]
        if isinstance(expr, cst.Name):
            if expr.value == "None":
                return [("none", expr)]
            values = env.get(expr.value)
            if not values or any(v is None for v in values):
                return [("unknown", expr)]
            out = []
            for v in values:
                out += self.of_expr(v, env, depth + 1)
            return out
        if isinstance(expr, cst.Dict):
            items = _dict_items(expr)
            return [("dict" if items is not None and "loss" in items else "dict_no_loss" if items is not None else "unknown", expr)]
        if isinstance(expr, _NOT_TENSOR):
            return [("bad", expr)]
        if isinstance(expr, cst.IfExp):
            return self.of_expr(expr.body, env, depth + 1) + self.of_expr(expr.orelse, env, depth + 1)
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, _ARITHMETIC):
            # a Tensor on either side: the result is a Tensor, or Python raises
            sides = self.of_expr(expr.left, env, depth + 1) + self.of_expr(expr.right, env, depth + 1)
            return [("tensor" if any(k == "tensor" for k, _ in sides) else "unknown", expr)]
        if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
            return self.of_expr(expr.expression, env, depth + 1)
        if isinstance(expr, cst.Call):
            return self._call(expr, env, depth)
        return [("unknown", expr)]

    def _call(self, call: cst.Call, env, depth):
        func = call.func
        facts = self.facts
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "self":
            name = func.attr.value
            if name in facts.methods:
                return self.of_method(name)
            if self._torch_module_attribute(name):
                return [("tensor", call)]  # `self.criterion = nn.CrossEntropyLoss()` in `__init__`
            return [("unknown", call)]
        if isinstance(func, cst.Name) and func.value == "self" and "forward" in facts.methods:
            return self.of_method("forward")
        if isinstance(func, cst.Name) and func.value == "dict":
            keys = {a.keyword.value for a in call.args if a.keyword is not None}
            if any(a.star for a in call.args):
                return [("unknown", call)]
            return [("dict" if "loss" in keys else "dict_no_loss", call)]
        if _is_torch(func, facts) or (isinstance(func, cst.Call) and _is_torch(func.func, facts)):
            return [("tensor", call)]  # torch's functions and loss modules (`nn.MSELoss()(y_hat, y)`)
        if isinstance(func, cst.Attribute) and func.attr.value in _TENSOR_METHODS and not (
            func.attr.value in ("max", "min") and call.args
        ):
            inner = self.of_expr(func.value, env, depth + 1)
            if inner and all(k == "tensor" for k, _ in inner):
                return [("tensor", call)]
        return [("unknown", call)]

    def _torch_module_attribute(self, name: str) -> bool:
        """`self.<name>` is only ever assigned torch objects (`nn.MSELoss()`, ...) in the class."""
        if "self_assignments" not in self.facts.memo:
            self.facts.memo["self_assignments"] = _self_assignments(self.facts)
        found = self.facts.memo["self_assignments"].get(name)
        return bool(found) and all(
            isinstance(v, cst.Call) and _is_torch(v.func, self.facts) and (qualname(v.func, self.facts.imports) or "").startswith("torch.nn.")
            for v in found
        )


def _is_torch(func, facts) -> bool:
    q = qualname(func, facts.imports) or ""
    return q == "torch" or q.startswith("torch.")


# Tensor methods that return a Tensor (`max`/`min` only without arguments: with a dim, a tuple)
_TENSOR_METHODS = frozenset(
    """abs add clamp clamp_min contiguous cpu cuda div double exp flatten float half log
    log_softmax max mean min mul nanmean neg norm pow relu reshape sigmoid softmax sqrt square
    squeeze sub sum t to type_as unsqueeze view""".split()
)


def _self_assignments(facts: ModelFacts) -> dict[str, list]:
    out: dict[str, list] = {}

    class V(cst.CSTVisitor):
        def visit_Assign(self, node):
            for t in node.targets:
                self.bind(t.target, node.value)

        def visit_AnnAssign(self, node):
            self.bind(node.target, node.value)

        def visit_AugAssign(self, node):
            self.bind(node.target, None)

        def bind(self, t, value):
            if isinstance(t, cst.Attribute) and isinstance(t.value, cst.Name) and t.value.value == "self":
                out.setdefault(t.attr.value, []).append(value)
            elif isinstance(t, (cst.Tuple, cst.List)):
                for el in t.elements:
                    self.bind(el.value, None)

    for c in facts.chain or [facts.cls]:
        c.visit(V())
    return out


def training_step_returns(facts: ModelFacts) -> frozenset[str]:
    """What `training_step` returns: a subset of {"tensor", "dict", "none", "unknown"}.

    "unknown" (a helper's result, `super().training_step(...)`, a value lgen cannot follow) makes
    the script take the output apart at run time as Lightning does. Under manual optimization a
    dict needs no "loss" (the loop only hands it to `on_train_batch_end`), and anything but a
    Tensor, a dict or None raises in Lightning.
    """
    manual = not facts.automatic_optimization
    kinds = set()
    for kind, node in _ReturnKinds(facts).of_method("training_step"):
        if kind == "dict_no_loss" and not manual:
            raise PlanError(facts.diag("LGEN106", node, '`training_step` returns a dict without a "loss" key; Lightning raises', 'return {"loss": loss, ...}'))
        if kind.startswith("bad:"):
            what = kind[4:]
            if manual:
                raise PlanError(facts.diag("LGEN106", node, f"`training_step` returns a {what}; in manual optimization Lightning raises \"`training_step` must either return a Tensor or have no return\"", "return the loss tensor, a dict, or nothing"))
            raise PlanError(facts.diag("LGEN106", node, f"`training_step` returns a {what}; Lightning needs a Tensor, a dict with \"loss\" or None", 'return {"loss": loss, ...} or the loss tensor'))
        kinds.add("dict" if kind == "dict_no_loss" else kind)
    return frozenset(kinds)


def _ends_with_return(stmt) -> bool:
    if isinstance(stmt, cst.SimpleStatementLine):
        return any(isinstance(s, (cst.Return, cst.Raise)) for s in stmt.body)
    if isinstance(stmt, cst.If):
        if stmt.orelse is None:
            return False
        return _ends_with_return(stmt.body.body[-1]) and _ends_with_return(
            stmt.orelse.body.body[-1] if isinstance(stmt.orelse, cst.Else) else stmt.orelse
        )
    if isinstance(stmt, (cst.With,)):
        return _ends_with_return(stmt.body.body[-1])
    if isinstance(stmt, cst.Try):
        return _ends_with_return(stmt.body.body[-1])
    return False


# hooks of `trainer.test` / `trainer.predict`: fit never calls them (they stay plain methods)
NON_FIT_HOOKS = frozenset(h for h in INERT_HOOKS if h.startswith(("test_", "predict_", "on_test_", "on_predict_")))
# `self.log` parameters in Lightning's order (`LightningModule.log` / `log_dict`), to spot them by position
_LOG_POSITIONS = {"log": {"logger": 3, "on_step": 4, "on_epoch": 5, "sync_dist": 8}, "log_dict": {"logger": 2, "on_step": 3, "on_epoch": 4, "sync_dist": 7}}


@dataclass(frozen=True)
class LogLevels:
    """What Lightning's `_FxValidator` makes of `self.log`'s on_step/on_epoch in a method.

    kind: "static" (one set of defaults: `defaults`), "runtime" (the hooks that reach the method
    differ: `defaults` are the two expressions the script evaluates), "forbidden" (a hook that
    reaches it forbids logging: `hook`), "outside_fit" (only test/predict hooks reach it: fit never
    runs it; `defaults` are Lightning's test-hook ones), or "unknown" (no hook reaches it).
    """

    kind: str
    defaults: tuple = (None, None)
    hook: str | None = None
    epoch_hook: str | None = None  # a reaching hook that allows only on_step=False


def _log_hooks(facts: ModelFacts, method: str) -> set[str]:
    """The loop hooks that may be Lightning's current hook (`_current_fx_name`) while `method` runs:
    itself if it is one, and the hooks of its callers (a hook the user calls directly keeps the
    caller's name)."""
    found = {method} if method in LOOP_HOOKS else set()
    for caller, callees in facts.calls.items():
        if method in callees and caller != method:
            found |= hooks_reaching(facts, caller)
    return found


def _outside_fit(facts: ModelFacts, method: str) -> bool:
    """Whether only test/predict hooks call `method` (or it is one): fit never runs it."""
    seen, frontier, roots = {method}, [method], set()
    while frontier:
        m = frontier.pop()
        callers = {c for c, callees in facts.calls.items() if m in callees and c != m}
        if not callers or m in NON_FIT_HOOKS:
            roots.add(m)
            continue
        for c in callers - seen:
            seen.add(c)
            frontier.append(c)
    return bool(roots) and roots <= NON_FIT_HOOKS


def _callers_of(facts: ModelFacts, method: str) -> set[str]:
    """`method` and every method that calls it, directly or not."""
    seen, frontier = {method}, [method]
    while frontier:
        m = frontier.pop()
        for c, callees in facts.calls.items():
            if m in callees and c not in seen:
                seen.add(c)
                frontier.append(c)
    return seen


def log_levels(facts: ModelFacts, method: str, evaluations=()) -> LogLevels:
    """The on_step/on_epoch defaults of `self.log` in `method`, as Lightning picks them by hook
    (`evaluations`: the run's validate / test / predict calls after fit, whose hooks may reach it too)."""
    hooks = _log_hooks(facts, method)
    if "test" in evaluations and hooks and all(LOOP_HOOKS[h] == "train_step" for h in hooks) and _callers_of(facts, method) & NON_FIT_HOOKS:
        # training_step's defaults in fit, test hooks' (on_epoch) in `test`: the loop knows which runs
        return LogLevels("runtime", ('self.loop.stage == "train"', 'self.loop.stage != "train"'))
    if not hooks:
        if _outside_fit(facts, method):
            return LogLevels("outside_fit", (False, True))  # test hooks' defaults; predict ones never log
        return LogLevels("unknown")
    forbidden = sorted(h for h in hooks if LOG_DEFAULTS[LOOP_HOOKS[h]] is None)
    if forbidden:
        return LogLevels("forbidden", hook=forbidden[0])
    stages = {LOOP_HOOKS[h] for h in hooks}
    epoch_hook = min((h for h in hooks if LOOP_HOOKS[h] in ("train_epoch", "val_epoch")), default=None)
    if len({LOG_DEFAULTS[s] for s in stages}) == 1:
        return LogLevels("static", LOG_DEFAULTS[stages.pop()], epoch_hook=epoch_hook)
    # training_step's defaults (on_step) and the others' (on_epoch) both apply: the loop knows
    # which hook runs: validation hooks run in stage "validate", the training epoch hooks with
    # `loop.epoch_hook` set
    val = bool(stages & {"val_step", "val_epoch"})
    if val and "train_epoch" in stages:
        step = ('self.loop.stage == "train" and not self.loop.epoch_hook', 'self.loop.stage != "train" or self.loop.epoch_hook')
    elif val:
        step = ('self.loop.stage == "train"', 'self.loop.stage != "train"')
    else:
        step = ("not self.loop.epoch_hook", "self.loop.epoch_hook")
    return LogLevels("runtime", step, epoch_hook=epoch_hook)


def _passes(call: cst.Call, member: str, key: str) -> cst.Arg | None:
    """The argument of a `self.log` / `self.log_dict` call bound to `key` (by keyword or position)."""
    for i, a in enumerate(call.args):
        if (a.keyword is not None and a.keyword.value == key) or (a.keyword is None and not a.star and i == _LOG_POSITIONS[member][key]):
            return a
    return None


def _fit_log_uses(facts: ModelFacts):
    """The `self.log` / `self.log_dict` calls that fit may run (not those only test/predict hooks reach)."""
    for u in facts.uses:
        if u.member in _LOG_POSITIONS and u.call is not None and u.member not in facts.methods:
            if log_levels(facts, u.method).kind != "outside_fit":
                yield u


def _logs_epoch_hook(facts: ModelFacts) -> bool:
    """Whether a `self.log` leaves on_step/on_epoch to defaults that depend on `loop.epoch_hook`."""
    for u in _fit_log_uses(facts):
        levels = log_levels(facts, u.method)
        if levels.kind == "runtime" and "epoch_hook" in levels.defaults[0]:
            if _passes(u.call, u.member, "on_step") is None or _passes(u.call, u.member, "on_epoch") is None:
                return True
    return False


def _logs_sync_dist(facts: ModelFacts) -> bool:
    """Whether a `self.log` / `self.log_dict` call passes `sync_dist=True` (by keyword or position)."""
    for u in _fit_log_uses(facts):
        a = _passes(u.call, u.member, "sync_dist")
        if a is not None and dotted(a.value) == "True":
            return True
    return False


# decorators that keep the function's signature reachable through `__wrapped__`, which
# Lightning's signature check follows (functools.wraps); torch's grad-mode decorators use it
_SIGNATURE_KEEPING = ("torch.", "functools.wraps")


def takes_batch_idx(facts: ModelFacts, fn: cst.FunctionDef) -> bool | None:
    """Lightning's `is_param_in_hook_signature(hook, "batch_idx", min_args=2)`, read off the def.

    True when `batch_idx` is a positional parameter, when there is `*args`, or when at least two
    positional parameters follow `self` (any names). None when a decorator hides the signature.
    """
    for deco in fn.decorators:
        d = deco.decorator.func if isinstance(deco.decorator, cst.Call) else deco.decorator
        if not (qualname(d, facts.imports) or "").startswith(_SIGNATURE_KEEPING):
            return None
    params = fn.params
    args = [p.name.value for p in (*params.posonly_params, *params.params)][1:]
    return "batch_idx" in args or isinstance(params.star_arg, cst.Param) or len(args) >= 2
# what only Lightning's LightningOptimizer has (everything else it forwards to the optimizer)
WRAPPER_ONLY = frozenset({"optimizer", "_optimizer", "_strategy", "_on_before_step", "_on_after_step", "toggle_model", "_to_lightning_optimizer"})


def optimizer_step_needs_wrapper(facts: ModelFacts) -> bool:
    return optimizer_step_uses(facts)[0]


def optimizer_step_uses(facts: ModelFacts) -> tuple[bool, list[cst.Attribute]]:
    """(whether the `optimizer_step` override behaves differently on the bare optimizer, the
    members of Lightning's wrapper it uses that the script's wrapper lacks).

    Lightning passes `optimizer_step(epoch, batch_idx, optimizer, optimizer_closure)` its
    LightningOptimizer and the bare closure (training_step, zero_grad, backward); the wrapper's
    `step(closure)` adds `on_before_optimizer_step` and clipping after the closure. An override
    that only calls `optimizer.step(closure=optimizer_closure)` and reads the optimizer's own
    attributes does the same with the bare optimizer and a closure that already runs the hook and
    clipping: the lean form. Anything else (`optimizer.optimizer`, the closure called or passed
    on, `optimizer` passed or rebound, `step` with other arguments) gets the wrapper.
    """
    from lgen.manual import _Parents

    fn = facts.methods.get("optimizer_step")
    if fn is None or fn.params.star_arg is not cst.MaybeSentinel.DEFAULT or fn.params.star_kwarg is not None:
        return fn is not None, []
    params = [p.name.value for p in fn.params.posonly_params + fn.params.params]
    if len(params) != 5:
        return True, []
    opt, clo = params[3], params[4]
    parents = _Parents()
    fn.body.visit(parents)

    class Uses(cst.CSTVisitor):
        def __init__(self):
            self.lean = True
            self.unsupported: list[cst.Attribute] = []

        def visit_Name(self, node):
            if node.value not in (opt, clo):
                return
            parent = parents.parents.get(id(node))
            if isinstance(parent, cst.Attribute) and parent.attr is node:
                return  # `x.optimizer`: an attribute name, not the parameter
            if isinstance(parent, cst.Arg) and parent.keyword is node:
                return
            if node.value == clo:
                self.lean &= _closure_of_step(parent, parents.parents, opt, clo)
            elif isinstance(parent, cst.Attribute) and parent.value is node:
                call = parents.parents.get(id(parent))
                if parent.attr.value == "step":
                    self.lean &= isinstance(call, cst.Call) and call.func is parent and _step_args_lean(call, clo)
                else:
                    self.lean &= parent.attr.value not in WRAPPER_ONLY
                    if parent.attr.value in WRAPPER_ONLY - {"optimizer"}:
                        self.unsupported.append(parent)
            else:
                self.lean = False  # passed on, compared, rebound, ...

    v = Uses()
    fn.body.visit(v)
    return not v.lean, v.unsupported


def optimizer_step_drops_closure(facts: ModelFacts) -> cst.FunctionDef | None:
    """The `optimizer_step` override, where its body never mentions the closure parameter.

    Lightning then raises at the first step ("The closure hasn't been executed", from
    `Closure.consume_result` after the hook): training_step never ran.
    """
    fn = facts.methods.get("optimizer_step")
    if fn is None or fn.params.star_arg is not cst.MaybeSentinel.DEFAULT or fn.params.star_kwarg is not None:
        return None
    params = [p.name.value for p in fn.params.posonly_params + fn.params.params]
    if len(params) != 5:
        return None
    clo = params[4]

    class Mentions(cst.CSTVisitor):
        found = False

        def visit_Name(self, node):
            if node.value == clo:
                self.found = True

    v = Mentions()
    fn.body.visit(v)
    return None if v.found else fn


def _step_args_lean(call: cst.Call, clo: str) -> bool:
    """`optimizer.step(closure=optimizer_closure)` or `optimizer.step(optimizer_closure)`."""
    if len(call.args) != 1:
        return False
    a = call.args[0]
    named = a.keyword is None or a.keyword.value == "closure"
    return named and not a.star and isinstance(a.value, cst.Name) and a.value.value == clo


def _closure_of_step(parent, parents, opt: str, clo: str) -> bool:
    if not isinstance(parent, cst.Arg):
        return False
    call = parents.get(id(parent))
    f = call.func if isinstance(call, cst.Call) else None
    return isinstance(f, cst.Attribute) and f.attr.value == "step" and isinstance(f.value, cst.Name) and f.value.value == opt and _step_args_lean(call, clo)


def make_plan(facts: ModelFacts, flags: Flags, run=None, datamodule: cst.ClassDef | None = None) -> tuple[LoopPlan | None, list[Diagnostic]]:
    diags: list[Diagnostic] = []
    if "training_step" not in facts.methods:
        return None, [facts.diag("LGEN104", facts.cls.name, f"`{facts.class_name}` defines no `training_step`", "define `training_step(self, batch, batch_idx)`")]
    run_plan = None
    if run is not None:
        run_plan, run_diags = plan_run(facts, flags, run)
        diags += run_diags
        if run_plan is None:
            return None, diags
    elif datamodule is not None:
        run_plan, run_diags = plan_datamodule(facts, datamodule)
        diags += run_diags
        if run_plan is None:
            return None, diags
    elif "train_dataloader" not in facts.methods:
        # the data comes from code lgen is not shown: the script's `fit` takes it (contract §4)
        run_plan = RunPlan(
            trainer_name="",
            train_source="given",
            val_source="given",
            datamodule=None,
            datamodule_hooks=frozenset(),
            fit_params=(),
            evaluations=(),
            deterministic=False,
            limit_test_batches=1.0,
            reads=frozenset(),
            api=True,
        )
    ts = facts.methods["training_step"]
    params = [p.name.value for p in ts.params.params][1:]
    if "optimizer_idx" in params or "dataloader_iter" in params:
        bad = "optimizer_idx" if "optimizer_idx" in params else "dataloader_iter"
        diags.append(facts.diag("LGEN107", ts.name, f"`training_step` takes `{bad}`; Lightning 2.6 {'raises' if bad == 'optimizer_idx' else 'passes a data iterator instead of a batch'}", "take `(self, batch, batch_idx)`"))

    for name, fn in facts.methods.items():
        if name in REJECTED_HOOKS and not (name == "configure_callbacks" and run is not None and run.model_callbacks):
            diags.append(facts.diag("LGEN305", fn.name, f"`{name}` is not reproduced by the ejected loop: {REJECTED_HOOKS[name]}", "remove it or move its work into a supported hook"))

    try:
        form, opt_exprs, scheds, check_optimizers = analyze_optimizers(facts, facts.automatic_optimization)
        returns = training_step_returns(facts)
    except PlanError as e:
        return None, diags + [e.diag]
    if facts.automatic_optimization and len(opt_exprs) > 1:
        fn = facts.methods["configure_optimizers"]
        if check_optimizers:  # some may be schedulers: Lightning's first check then fails instead
            diags.append(facts.diag("LGEN202", fn.name, f"`configure_optimizers` returns {len(opt_exprs)} objects where Lightning expects optimizers; under automatic optimization Lightning raises \"Training with multiple optimizers is only supported with manual optimization\", or \"Unknown configuration for model optimizers\" if one is not an optimizer", f"for one optimizer and its scheduler, {UNKNOWN_CONFIGURATION_HELP}; for several optimizers, set `self.automatic_optimization = False` and step them in `training_step`"))
        else:
            diags.append(facts.diag("LGEN202", fn.name, f"`configure_optimizers` returns {len(opt_exprs)} optimizers under automatic optimization; Lightning raises", "set `self.automatic_optimization = False` and step them in `training_step`"))
    names = ["scheduler"] if len(scheds) == 1 else [f"scheduler_{i}" for i in range(len(scheds))]
    scheds = tuple(replace(s, name=n) for n, s in zip(names, scheds))
    # under manual optimization Lightning keeps a scheduler dict's "interval" and "name" for the
    # LearningRateMonitor (`_configure_schedulers_manual_opt`); lgen reads neither there yet
    manual_dicts = not facts.automatic_optimization and any(s.expr.endswith('["scheduler"]') for s in scheds)
    if run_plan is not None and "LearningRateMonitor" in run_plan.callbacks and manual_dicts:
        node = next(cb.call for cb in run.callbacks if cb.kind == "LearningRateMonitor")
        r = facts.positions.get(node)
        line, col, eline, ecol = (r.start.line, r.start.column + 1, r.end.line, r.end.column + 1) if r is not None else (1, 1, 0, 0)
        diags.append(Diagnostic("LGEN129", "a `LearningRateMonitor` under manual optimization with a scheduler given as a dict is not ejected yet (Lightning reads its \"interval\" and \"name\")", facts.path, line, col, eline, ecol, "return the scheduler itself, or keep the run on Lightning"))
        return None, diags
    if run_plan is not None and "LearningRateMonitor" in run_plan.callbacks and any(s.config_name is not None for s in scheds):
        node = next(cb.call for cb in run.callbacks if cb.kind == "LearningRateMonitor")
        r = facts.positions.get(node)
        line, col, eline, ecol = (r.start.line, r.start.column + 1, r.end.line, r.end.column + 1) if r is not None else (1, 1, 0, 0)
        diags.append(Diagnostic("LGEN129", "a `LearningRateMonitor` with a scheduler named in its dict (`\"name\"`) is not ejected yet", facts.path, line, col, eline, ecol, "drop the scheduler's name, or keep the run on Lightning"))
        return None, diags

    # flags and their Lightning-side consequences
    if not facts.automatic_optimization:
        # Lightning's configuration validator, in its order, at fit start
        manual_at = next((u.node for u in facts.uses if u.member == "automatic_optimization" and u.assigned), facts.cls.name)
        if flags.gradient_clip_val is not None and flags.gradient_clip_val > 0:
            diags.append(facts.diag("LGEN403", manual_at, f"Automatic gradient clipping is not supported for manual optimization. Remove `Trainer(gradient_clip_val={flags.gradient_clip_val})` or switch to automatic optimization.", help="drop --gradient-clip-val and call `self.clip_gradients(opt, gradient_clip_val=..., gradient_clip_algorithm=...)` in `training_step`"))
        if flags.accumulate_grad_batches != 1:
            diags.append(facts.diag("LGEN403", manual_at, f"Automatic gradient accumulation is not supported for manual optimization. Remove `Trainer(accumulate_grad_batches={flags.accumulate_grad_batches})` or switch to automatic optimization.", help="drop --accumulate-grad-batches and step the optimizer every N batches in `training_step`"))
    if run_plan is not None and "gradient_clip_val" in run_plan.site_values and flags.gradient_clip_val is None:
        # each Trainer its own gradient_clip_val: the script's default clipping reads the loop's
        who = "manual optimization" if not facts.automatic_optimization else "a `configure_gradient_clipping` override" if "configure_gradient_clipping" in facts.methods else "`self.clip_gradients(...)`" if any(u.member == "clip_gradients" and u.member not in facts.methods for u in facts.uses) else None
        if who is not None:
            node = next((site.runtime.get("gradient_clip_val") or site.arg_nodes.get("gradient_clip_val", site.call) for site in run.sites if "gradient_clip_val" in site.runtime or site.args.get("gradient_clip_val") != run.sites[0].args.get("gradient_clip_val")), run.trainer)
            r = facts.positions.get(node)
            line, col, eline, ecol = (r.start.line, r.start.column + 1, r.end.line, r.end.column + 1) if r is not None else (1, 1, 0, 0)
            diags.append(Diagnostic("LGEN120", f"Trainers that compute or differ in `gradient_clip_val` with {who} are not ejected yet (the script gives each Trainer its own value for Lightning's default clipping only)", facts.path, line, col, eline, ecol, "give every Trainer the same `gradient_clip_val`, or eject the runs from separate files"))
    if flags.precision == "16-mixed" and facts.automatic_optimization and "optimizer_step" in facts.methods:
        fn = facts.methods["optimizer_step"]
        diags.append(facts.diag("LGEN402", fn.name, "--precision 16-mixed with an `optimizer_step` override is not ejected by this lgen version (Lightning's GradScaler step runs inside `optimizer.step(closure)`)", "eject with --precision bf16-mixed or 32-true, or drop the override"))
    wrap, unsupported = optimizer_step_uses(facts) if facts.automatic_optimization else (False, [])
    for node in unsupported:
        diags.append(facts.diag("LGEN301", node, f"`{node.attr.value}` of the LightningOptimizer in `optimizer_step` is not reproduced by the ejected loop (its wrapper has `.optimizer`, `step` and the optimizer's own members)", "use `optimizer.optimizer`, `optimizer.step(...)` or the optimizer's own attributes"))
    dropped = facts.automatic_optimization and optimizer_step_drops_closure(facts)
    if dropped:
        diags.append(facts.diag("LGEN308", dropped.name, "`optimizer_step` never runs `optimizer_closure` (training_step, zero_grad, backward); Lightning raises \"The closure hasn't been executed. HINT: did you call `optimizer_closure()` in your `optimizer_step` hook?\"", "step with the closure: `optimizer.step(closure=optimizer_closure)`"))
    # a run's Trainer picks DDP for several devices (Lightning's `_choose_strategy`)
    ddp = flags.strategy == "ddp" or (run is not None and (flags.devices or 1) > 1)
    if not ddp and (flags.devices or 1) > 1:
        diags.append(Diagnostic("LGEN402", f"--devices {flags.devices} without --strategy ddp: lgen ejects several devices only as DDP", facts.path, 1, 1, help="add --strategy ddp (the script then runs under torchrun)"))

    hooks = frozenset(n for n in facts.methods if n in LOOP_HOOKS)
    flow = follow_optimizers(facts, len(opt_exprs), facts.automatic_optimization, hooks)
    diags += flow.diags
    services = set(flow.services)
    for u in facts.uses:
        if u.call is None or u.member in facts.methods:
            continue
        if u.member in ("toggle_optimizer", "untoggle_optimizer", "toggled_optimizer"):
            services.add(u.member)
        if u.member == "manual_backward":
            if facts.automatic_optimization:
                diags.append(facts.diag("LGEN301", u.call, "`self.manual_backward` is called under automatic optimization; Lightning raises", "set `self.automatic_optimization = False`, or return the loss"))
            elif hooks & {"on_before_backward", "backward", "on_after_backward"} or flags.precision == "16-mixed" or ddp:
                services.add("manual_backward")
    if flags.precision == "16-mixed" and not facts.automatic_optimization:
        for u in facts.uses:
            if u.member == "clip_gradients" and u.call is not None and u.member not in facts.methods:
                diags.append(facts.diag("LGEN501", u.call, "under 16-mixed on CUDA, Lightning's manual-optimization `clip_gradients` clips the still-scaled gradients (`opt.step()` unscales later); the script does the same", "to clip true gradients, call `self.loop.scaler.unscale_(opt)` before clipping in the ejected script, or use bf16-mixed", severity="warning"))
    if services & {"toggled_optimizer", "toggle_model"}:
        services |= {"toggle_optimizer", "untoggle_optimizer"}
    if run_plan is not None:
        validation = "validation_step" in hooks and run_plan.val_source is not None and flags.limit_val_batches != 0
    else:
        validation = "validation_step" in hooks and "val_dataloader" in hooks and flags.limit_val_batches != 0
    val_loaders = _val_loaders(facts, run, run_plan, datamodule, ddp, diags) if validation else 1
    if run_plan is not None and "validation" in run_plan.step_rows and val_loaders != 1:
        for a in _eval_step_logs(facts, "validation"):
            diags.append(facts.diag("LGEN122", a, "Lightning's default logger writes a metrics.csv row per validation batch for `on_step=True`; with several loaders not ejected yet", "log with `on_step=False` there, or pass `logger=False` to the Trainer"))
    if validation and val_loaders != 1 and run_plan is not None and "on_validation_epoch_end" in run_plan.user_hooks:
        cb = next(c for c in run.callbacks if c.cls is not None and "on_validation_epoch_end" in _methods(c.cls))
        r = facts.positions.get(_methods(cb.cls)["on_validation_epoch_end"].name)
        line, col, eline, ecol = (r.start.line, r.start.column + 1, r.end.line, r.end.column + 1) if r is not None else (1, 1, 0, 0)
        diags.append(Diagnostic("LGEN129", "a user callback's `on_validation_epoch_end` with several validation loaders is not ejected yet", facts.path, line, col, eline, ecol, "validate on one loader, or keep the run on Lightning"))
    val_idx_missing = next((h for h in ("validation_step", "on_validation_batch_start", "on_validation_batch_end") if h in facts.methods and not _takes_dataloader_idx(facts.methods[h])), None)
    trainer_attrs = frozenset(u.trainer_attr for u in facts.uses if u.trainer_attr)
    if run_plan is not None:
        trainer_attrs |= run_plan.reads  # the entry reads them off the trainer
        trainer_attrs |= run_plan.callback_reads  # the user's callbacks read them off the trainer
    logs = any(True for _ in _fit_log_uses(facts))
    if run_plan is not None and "test" in run_plan.evaluations:
        # `self.log` in test hooks, which only `test` runs
        logs = logs or any(u.member in _LOG_POSITIONS and u.call is not None and u.member not in facts.methods for u in facts.uses)
    data_before = any(
        u.trainer_attr == "estimated_stepping_batches" and u.method == "configure_optimizers" for u in facts.uses
    )
    clip = flags.gradient_clip_val is not None and flags.gradient_clip_val > 0
    if run_plan is not None and "gradient_clip_val" in run_plan.site_values and flags.gradient_clip_val is None:
        # each Trainer its own gradient_clip_val: the script clips where the loop's is above 0
        clip = any("gradient_clip_val" in site.runtime or (site.args.get("gradient_clip_val") or 0) > 0 for site in run.sites)
    plan = LoopPlan(
        class_name=facts.class_name,
        automatic=facts.automatic_optimization,
        max_epochs=flags.resolved_max_epochs,
        max_steps=flags.max_steps,
        accumulate=flags.accumulate_grad_batches,
        clip_val=flags.gradient_clip_val,
        clip_algorithm=flags.gradient_clip_algorithm,
        clip=clip,
        precision=flags.precision,
        accelerator=flags.accelerator,
        num_sanity_val_steps=flags.num_sanity_val_steps,
        check_val_every_n_epoch=flags.check_val_every_n_epoch,
        limit_train_batches=flags.limit_train_batches,
        limit_val_batches=flags.limit_val_batches,
        val_check_interval=flags.val_check_interval,
        hooks=hooks,
        training_step_batch_idx=takes_batch_idx(facts, ts),
        validation_step_batch_idx=takes_batch_idx(facts, facts.methods["validation_step"]) if "validation_step" in facts.methods else True,
        config_form=form,
        optimizer_exprs=opt_exprs,
        schedulers=scheds,
        step_returns=returns,
        validation=validation,
        logs=logs,
        trainer_attrs=trainer_attrs,
        data_before_optimizers=data_before,
        hparams=any(u.member == "save_hyperparameters" for u in facts.uses),
        hparams_maybe_empty=_hparams_maybe_empty(facts),
        clip_gradients_call=any(u.member == "clip_gradients" for u in facts.uses),
        services=frozenset(services),
        ddp=ddp,
        devices=flags.devices or 1,
        sync_dist=ddp and _logs_sync_dist(facts),
        wrap_optimizer=wrap,
        check_optimizers=check_optimizers,
        log_epoch_hook=_logs_epoch_hook(facts),
        torchmetrics=logs and "torchmetrics" in facts.source,
        run=run_plan,
        val_loaders=val_loaders,
        val_idx_missing=val_idx_missing if val_loaders == 0 else None,
    )
    if any(d.is_error for d in diags):
        return None, diags
    return plan, diags


def _returned_loaders(fn: cst.FunctionDef, module: cst.Module, depth: int = 0) -> int:
    """How many loaders a `*_dataloader` hook returns, read off its `return`s: a list or tuple
    written out (2+), `DataLoader(...)` (a local name bound to one, or a function of the file
    returning one); 0 where only the run tells."""
    from lgen.run import is_loader_call, loader_count

    class Returns(cst.CSTVisitor):
        def __init__(self):
            self.values = []

        def visit_Return(self, node) -> None:
            self.values.append(node.value)

        def visit_FunctionDef(self, node) -> bool:
            return node is fn  # not nested functions' returns

        def visit_Lambda(self, node) -> bool:
            return False

        def visit_ClassDef(self, node) -> bool:
            return False

    finder = Returns()
    fn.visit(finder)
    body = list(fn.body.body) if isinstance(fn.body, cst.IndentedBlock) else []
    functions = {s.name.value: s for s in module.body if isinstance(s, cst.FunctionDef)}
    counts = set()
    for value in finder.values:
        if value is None:
            return 0
        n = loader_count(value, body, len(body))
        if n == 0 and isinstance(value, cst.Call) and not is_loader_call(value) and isinstance(value.func, cst.Name) and value.func.value in functions and depth < 3:
            n = _returned_loaders(functions[value.func.value], module, depth + 1)
        counts.add(n)
    return counts.pop() if len(counts) == 1 else 0


def _takes_dataloader_idx(fn: cst.FunctionDef) -> bool:
    """Lightning's `is_param_in_hook_signature(hook, "dataloader_idx")`, read off the def."""
    p = fn.params
    names = [a.name.value for a in (*p.posonly_params, *p.params, *p.kwonly_params)]
    return "dataloader_idx" in names or isinstance(p.star_arg, cst.Param)


def _val_loaders(facts: ModelFacts, run, run_plan, datamodule, ddp: bool, diags) -> int:
    """How many loaders fit's validation runs over (0: the script decides at run time, as
    Lightning's CombinedLoader does with what the hook or the caller gives); what lgen refuses
    about several (where Lightning raises, or what the script does not reproduce yet)."""
    source = run_plan.val_source if run_plan is not None else "model"
    if source == "given":
        return 0  # the importable fit: what it is given decides, at run time
    if source == "loaders":
        n, node = run.fit_val_loaders, run.fit.args["val_dataloaders"]
    else:
        if source == "datamodule":
            cls = datamodule
            if cls is None:
                cls = next(c for c in run.module.body if isinstance(c, cst.ClassDef) and c.name.value == run.datamodule_class)
            fn = next(s for s in cls.body.body if isinstance(s, cst.FunctionDef) and s.name.value == "val_dataloader")
        else:
            fn = facts.methods["val_dataloader"]
        n, node = _returned_loaders(fn, facts.module), fn.name
    if n == 1:
        return 1
    where = "several validation loaders" if n > 1 else "validation loaders whose number only the run tells"
    if ddp:
        diags.append(facts.diag("LGEN126", node if facts.positions.get(node) is not None else facts.cls.name, f"{where} under DDP are not ejected yet", "return one DataLoader from `val_dataloader`"))
    fn = facts.methods.get("validation_step")
    if takes_batch_idx(facts, fn) is None:
        diags.append(facts.diag("LGEN125", fn.name, f"a decorator hides `validation_step`'s signature; lgen does not eject it with {where} yet", "take `(self, batch, batch_idx, dataloader_idx=0)` without a decorator"))
    for hook in ("validation_step", "on_validation_batch_start", "on_validation_batch_end"):
        h = facts.methods.get(hook)
        if h is None or takes_batch_idx(facts, h) is None or n == 0:
            continue
        p = h.params
        positional = [a.name.value for a in (*p.posonly_params, *p.params)][1:]
        if "dataloader_idx" not in positional and not isinstance(p.star_arg, cst.Param):
            # Lightning's `_verify_dataloader_idx_requirement`
            diags.append(facts.diag("LGEN126", h.name, f"fit is given several validation loaders but `{hook}` takes no `dataloader_idx`; Lightning raises", "add `dataloader_idx=0` to its signature"))
    for u in facts.uses:
        if u.member not in _ADD_DATALOADER_IDX or u.call is None or u.member in facts.methods:
            continue
        for i, a in enumerate(u.call.args):
            if a.star or (a.keyword is not None and a.keyword.value == "add_dataloader_idx") or (a.keyword is None and i >= _ADD_DATALOADER_IDX[u.member]):
                diags.append(facts.diag("LGEN126", a, f"`self.log(..., add_dataloader_idx=...)` with {where} is not ejected yet", "drop it (Lightning then adds `/dataloader_idx_N` to the name)"))
                break
    return n


# a LightningDataModule's hooks the script calls when the class defines them
DATAMODULE_HOOKS = frozenset(
    {"prepare_data", "setup", "teardown", "train_dataloader", "val_dataloader", "test_dataloader", "predict_dataloader"}
    | {"on_before_batch_transfer", "transfer_batch_to_device", "on_after_batch_transfer", "state_dict", "load_state_dict"}
)
# hooks of a datamodule the script does not reproduce yet
DATAMODULE_UNSUPPORTED = frozenset({"on_exception"})
DATAMODULE_MEMBERS = frozenset({"trainer", "hparams", "save_hyperparameters", "hparams_initial", "prepare_data_per_node", "log", "from_datasets", "load_from_checkpoint"})


def _ddp_run_refusals(facts: ModelFacts, run, at) -> list[Diagnostic]:
    """What a run under DDP (the script starts the other ranks as Lightning's launcher does)
    does not eject yet."""
    diags = []
    args = run.trainer_args
    how = "a run under DDP (`strategy=\"ddp\"` or several devices)"
    if args.get("logger") is not False or args.get("enable_checkpointing", True) is not False:
        node = run.trainer_arg_nodes.get("logger") or run.trainer_arg_nodes.get("enable_checkpointing") or run.trainer
        diags.append(at(node, "LGEN402", f"{how} with Lightning's default logger or checkpoint callback is not ejected yet (rank 0's files, broadcast versions)", "pass `logger=False, enable_checkpointing=False` and save with `trainer.save_checkpoint(...)`"))
    for a in run.trainer.args:
        # callbacks given to the Trainer (EarlyStopping's decision is reduced across ranks,
        # ModelCheckpoint writes on rank 0)
        if a.keyword is not None and a.keyword.value == "callbacks" and not (isinstance(a.value, (cst.List, cst.Tuple)) and not a.value.elements):
            diags.append(at(a, "LGEN402", f"callbacks given to the Trainer in {how} are not ejected yet", "run the callbacks on one device, or drop them"))
    for tc in run.after:
        diags.append(at(tc.call, "LGEN402", f"`{tc.method}` after fit in {how} is not ejected yet (distributed evaluation)", "run it in a separate single-device run"))
    if run.seed_workers:
        diags.append(at(run.seeds[0] if run.seeds else run.trainer, "LGEN402", f"`seed_everything(..., workers=True)` in {how} is not ejected yet (worker seeds per global rank)", "drop `workers=True`"))
    for hook in ("prepare_data",):
        fn = facts.methods.get(hook)
        if fn is not None:
            diags.append(at(fn.name, "LGEN402", f"`{hook}` in {how} is not ejected yet (Lightning runs it on local rank 0 only)", "prepare the data before `Trainer(...)`"))
    if run.datamodule_class is not None:
        cls = next(c for c in run.module.body if isinstance(c, cst.ClassDef) and c.name.value == run.datamodule_class)
        fn = next((f for f in cls.body.body if isinstance(f, cst.FunctionDef) and f.name.value == "prepare_data"), None)
        if fn is not None:
            diags.append(at(fn.name, "LGEN402", f"a datamodule's `prepare_data` in {how} is not ejected yet (Lightning runs it on local rank 0 only)", "prepare the data in `setup` or before `Trainer(...)`"))
    return diags


def plan_run(facts: ModelFacts, flags: Flags, run) -> tuple[RunPlan | None, list[Diagnostic]]:
    """Where the run's data comes from and what it calls after fit."""

    diags: list[Diagnostic] = []
    positions = facts.positions

    def at(node, code, msg, help=""):
        r = positions.get(node)
        line, col, eline, ecol = (r.start.line, r.start.column + 1, r.end.line, r.end.column + 1) if r is not None else (1, 1, 0, 0)
        return Diagnostic(code, msg, facts.path, line, col, eline, ecol, help)

    if flags.strategy == "ddp" or (flags.devices or 1) > 1:
        diags += _ddp_run_refusals(facts, run, at)
    for call in run.refits:
        # a fit again on a Trainer that has fitted: its loops are at their limit (verified for
        # the limits; a stop asked by a callback, a checkpoint to restore and DDP are not)
        tc = next(tc for tc in run.fits if tc.call is call)
        why = "with `ckpt_path=`" if "ckpt_path" in tc.args else "with EarlyStopping or a callback that stops the run" if any(cb.kind == "EarlyStopping" or cb.cls is not None and "should_stop" in run.module.code_for_node(cb.cls) for cb in run.callbacks) else "under DDP" if flags.strategy == "ddp" or (flags.devices or 1) > 1 else None
        if why is not None:
            diags.append(at(call, "LGEN120", f"`fit` called again on the same Trainer {why} is not ejected yet", "make a new `Trainer(...)` for each `fit`"))
    fit_args = run.fit.args
    dm_hooks: frozenset[str] = frozenset()
    if run.datamodule_class is not None:
        cls = next(c for c in run.module.body if isinstance(c, cst.ClassDef) and c.name.value == run.datamodule_class)
        dm_hooks = _datamodule_hooks(cls, at, diags)
        train_source = "datamodule"
        val_source = "datamodule" if "val_dataloader" in dm_hooks else None
        params = ("datamodule",)
    else:
        given_train = "train_dataloaders" in fit_args
        given_val = "val_dataloaders" in fit_args
        if not given_train and "train_dataloader" not in facts.methods:
            diags.append(at(run.fit.call, "LGEN110", f"`fit` is given no training data and `{facts.class_name}` defines no `train_dataloader`; Lightning raises", "pass `train_dataloaders=` or a `datamodule=` to `fit`"))
        train_source = "loaders" if given_train else "model"
        val_source = "loaders" if given_val else ("model" if "val_dataloader" in facts.methods else None)
        params = tuple(p for p in ("train_dataloaders", "val_dataloaders") if p in fit_args)
    evaluations = tuple(dict.fromkeys(tc.method for tc in run.after))
    sources, eval_diags = _eval_sources(facts, run, at)
    diags += eval_diags
    batch_idx = set()
    for step, method in (("validation_step", "validate"), ("test_step", "test"), ("predict_step", "predict")):
        fn = facts.methods.get(step)
        if fn is None or method not in evaluations:
            continue
        takes = takes_batch_idx(facts, fn)
        if takes is None:
            diags.append(at(fn.name, "LGEN125", f"a decorator hides `{step}`'s signature; lgen does not eject it for `{method}` yet", "take `(self, batch, batch_idx)` without a decorator"))
        elif takes:
            batch_idx.add(step)
    eval_loaders, multi_diags = _eval_loaders(facts, run, at)
    diags += multi_diags
    for method, source in sources.items():
        # a hook's loaders after fit: the script runs one loader (several are fit's validation only)
        hook = {"validate": "val_dataloader", "test": "test_dataloader", "predict": "predict_dataloader"}[method]
        fn = None
        if source == "model":
            fn = facts.methods.get(hook)
        elif source == "datamodule" and run.datamodule_class is not None:
            cls = next(c for c in run.module.body if isinstance(c, cst.ClassDef) and c.name.value == run.datamodule_class)
            fn = next((f for f in cls.body.body if isinstance(f, cst.FunctionDef) and f.name.value == hook), None)
        if fn is not None and _returned_loaders(fn, facts.module) != 1:
            diags.append(at(fn.name, "LGEN126", f"`{method}` after fit takes `{hook}`, which returns several loaders or ones lgen cannot count; not ejected yet", "return one `DataLoader(...)`, or pass the loaders to the call (`dataloaders=[a, b]`)"))
    bound = _bound_names(run)
    call_names = {}
    for tc in run.after:
        name = tc.method if tc.method not in bound else f"lgen_{tc.method}"
        if name in bound:
            diags.append(at(tc.call, "LGEN120", f"the entry binds both `{tc.method}` and `{name}`, the names the script's function for `{tc.method}` can take", "rename one of them"))
        call_names[tc.method] = name
    files, files_diags = _run_files(facts, flags, run, at)
    diags += files_diags
    if run.logger_calls and not files.get("logger"):
        diags.append(at(run.logger_calls[0], "LGEN122", "a `CSVLogger` built in a run whose Trainer has `logger=False`; not ejected (the script holds the class for a run that logs)", "give the logger to the Trainer, or drop it"))
    dm_hparams = {}
    if run.datamodule_class is not None:
        cls = next(c for c in run.module.body if isinstance(c, cst.ClassDef) and c.name.value == run.datamodule_class)
        dm_hparams = _datamodule_hparams(facts, cls, bool(files.get("logger")), at, diags)
        if dm_hparams.get("datamodule_logs_hparams"):
            files["log_hparams"] = True
    for method, count in eval_loaders.items():
        stage = "validation" if method == "validate" else method
        if count > 1 and stage in files.get("step_rows", ()):
            for a in _eval_step_logs(facts, stage):
                diags.append(at(a, "LGEN122", f"Lightning's default logger writes a metrics.csv row per `{method}` batch for `on_step=True`; with several loaders not ejected yet", "log with `on_step=False` there, or pass `logger=False` to the Trainer"))
    if not files.get("checkpointing"):
        for tc in run.after:
            ckpt = tc.args.get("ckpt_path")
            if "model" not in tc.args and (ckpt is None or dotted(ckpt) == "None") or isinstance(ckpt, cst.SimpleString) and ckpt.evaluated_value == "best":
                diags.append(at(ckpt if ckpt is not None else tc.call, "LGEN125", f"`{tc.method}` loads the fit's best checkpoint, but checkpointing is off; Lightning raises (`ModelCheckpoint` is not configured)", "pass the model and drop `ckpt_path`, or leave `enable_checkpointing` on"))
    if any(d.is_error for d in diags):
        return None, diags
    return (
        RunPlan(
            trainer_name=run.trainer_name,
            train_source=train_source,
            val_source=val_source,
            datamodule=run.datamodule_class,
            datamodule_hooks=dm_hooks,
            fit_params=params,
            evaluations=evaluations,
            deterministic=bool(run.trainer_args.get("deterministic")),
            benchmark=run.trainer_args.get("benchmark"),
            inference_mode=bool(run.trainer_args.get("inference_mode", True)),
            min_epochs=run.trainer_args.get("min_epochs") or 0,
            limit_test_batches=run.trainer_args.get("limit_test_batches", 1.0),
            reads=frozenset(attr for _, attr in run.reads),
            seed_workers=run.seed_workers,
            **files,
            eval_sources=tuple(sources.items()),
            limit_predict_batches=run.trainer_args.get("limit_predict_batches", 1.0),
            eval_methods=frozenset(m for m in facts.methods if m in EVAL_HOOKS),
            eval_batch_idx=frozenset(batch_idx),
            call_names=tuple(call_names.items()),
            verbose_methods=frozenset(tc.method for tc in run.after if tc.method != "predict" and ("verbose" not in tc.args or _literal(tc.args["verbose"]))),
            eval_loaders=tuple(sorted(eval_loaders.items())),
            site_limits=run.site_limits,
            site_values=run.site_values,
            refit=bool(run.refits),
            predict_return_arg=any(tc.method == "predict" and "return_predictions" in tc.args for tc in run.after),
            logger_class=_logger_class(facts, run, files),
            logger_arg=run.logger_given,
            **dm_hparams,
        ),
        diags,
    )


def _logger_class(facts: ModelFacts, run, files: dict) -> bool:
    """Whether the run's loggers are objects the script keeps (RunPlan.logger_class)."""
    from lgen.run import LOGGER_READS

    return bool(
        run.logger_given
        or run.logger_calls
        or {attr for _, attr in run.reads} & LOGGER_READS
        or set(files.get("callback_reads", ())) & LOGGER_READS
        or any(u.member in ("logger", "loggers") and u.member not in facts.methods or u.member == "trainer" and u.trainer_attr in LOGGER_READS for u in facts.uses)
    )


def _run_files(facts: ModelFacts, flags: Flags, run, at) -> tuple[dict, list[Diagnostic]]:
    """Lightning's default logger and checkpoint callback, where the run leaves them on, and
    what the script does not write like Lightning yet (a located error)."""
    args = run.trainer_args
    logger = args.get("logger") is not False  # None: Lightning's default, True
    checkpointing = args.get("enable_checkpointing", True) is not False
    callbacks, diags = _callbacks(facts, flags, run, at, checkpointing)
    if not (logger or checkpointing):
        eval_ckpt = _eval_ckpt(run)
        return ({"eval_ckpt": eval_ckpt} if eval_ckpt else {}) | callbacks, diags
    what = "Lightning's default logger and checkpoint callback" if logger and checkpointing else "Lightning's default logger" if logger else "Lightning's default checkpoint callback"
    if run.logger_given:  # a logger object given to the Trainer (a CSVLogger)
        what = what.replace("Lightning's default logger", "the run's CSVLogger")
    off = " and ".join(f"`{k}=False`" for k, on in (("logger", logger), ("enable_checkpointing", checkpointing)) if on)
    if checkpointing and (flags.check_val_every_n_epoch != 1 or flags.val_check_interval not in (1.0, None)) and not callbacks:
        # Lightning's default ModelCheckpoint then saves in on_validation_end (also one inside an
        # epoch, `val_check_interval`): the script's class
        callbacks = {"callbacks": ("ModelCheckpoint",), "callback_validation_end": True}
    step_rows = set()
    if logger:
        # Lightning's default logger writes a metrics.csv row per validation / test batch for
        # `self.log(..., on_step=True)` in their batch hooks (`update_eval_step_metrics`): in fit's
        # validation and in `validate` / `test` after fit
        methods = {tc.method for tc in run.after}
        for stage, runs in (("validation", "validation_step" in facts.methods), ("test", "test" in methods)):
            if runs and _eval_step_logs(facts, stage):
                step_rows.add(stage)
    if "lr_scheduler_step" in facts.methods:
        diags.append(at(facts.methods["lr_scheduler_step"].name, "LGEN122", f"an `lr_scheduler_step` override with {what} is not ejected yet (the checkpoint counts scheduler steps)", f"pass {off} to the Trainer, or keep the run on Lightning"))
    log_every = args.get("log_every_n_steps")
    hparams = False
    for u in facts.uses:
        if u.member == "save_hyperparameters" and u.call is not None:
            flag = next((a.value for a in u.call.args if a.keyword is not None and a.keyword.value == "logger"), None)
            hparams = hparams or flag is None or dotted(flag) != "False"
    if logger and hparams:
        import importlib.util

        if importlib.util.find_spec("yaml") is None:
            use = next(u for u in facts.uses if u.member == "save_hyperparameters" and u.call is not None)
            diags.append(at(use.call, "LGEN122", "Lightning's default logger writes hparams.yaml with PyYAML, which is not installed here", "install pyyaml (a dependency of Lightning), or pass `logger=False` to the Trainer"))
    eval_ckpt = _eval_ckpt(run)
    return callbacks | {
        "logger": logger,
        "checkpointing": checkpointing,
        "eval_ckpt": eval_ckpt,
        "log_every_n_steps": 50 if log_every is None else log_every,
        "log_hparams": logger and hparams,
        "model_logs_hparams": logger and hparams,
        "step_rows": frozenset(step_rows),
    }, diags


def _eval_step_logs(facts: ModelFacts, stage: str) -> list[cst.Arg]:
    """The `on_step=` arguments, not literally False / None, of `self.log` calls (not given
    `logger=False`) that the stage's batch hooks ("validation" / "test") reach: a metrics.csv row
    per batch in Lightning."""
    batch_hooks = {f"{stage}_step", f"on_{stage}_batch_start", f"on_{stage}_batch_end"}
    found = []
    for u in facts.uses:
        if u.member not in _LOG_POSITIONS or u.call is None or u.member in facts.methods or not (_callers_of(facts, u.method) & batch_hooks):
            continue
        a = _passes(u.call, u.member, "on_step")
        to_logger = _passes(u.call, u.member, "logger")
        if a is not None and dotted(a.value) not in ("False", "None") and (to_logger is None or dotted(to_logger.value) != "False"):
            found.append(a)
    return found


def _callbacks(facts: ModelFacts, flags: Flags, run, at, checkpointing: bool) -> tuple[dict, list[Diagnostic]]:
    """`Trainer(callbacks=[...])`: what the script's callback classes need, and where a callback's
    arguments are ones Lightning rejects or the script does not reproduce (a located error)."""
    if not run.callbacks and not run.model_callbacks:
        return {}, []
    diags = []
    user = {"user_hooks": set(), "callback_reads": set(), "user_stop": False}
    kinds = {cb.kind for cb in run.callbacks + run.model_callbacks}
    if checkpointing:
        kinds.add("ModelCheckpoint")  # Lightning adds its default one when none is given
    args_logger = run.trainer_args.get("logger")
    if run.model_callbacks and run.after:
        diags.append(at(run.after[0].call, "LGEN129", f"`{run.after[0].method}` after fit with the model's `configure_callbacks()` is not ejected yet (Lightning attaches them again for each call)", "pass the callbacks to the Trainer, or keep the run on Lightning"))
    for cb in run.model_callbacks:
        _user_callback(facts, cb, at, diags, user)
    # validation not (only) at each epoch's end: Lightning's ModelCheckpoint and EarlyStopping act
    # when validation ends, inside the epoch too (unless told otherwise; an int 1 is 1.0 to them)
    validation_end = flags.check_val_every_n_epoch != 1 or flags.val_check_interval not in (1.0, None)
    train_steps = False
    keys = {}

    def bad(cb, key, what, fix="remove it, or keep the run on Lightning"):
        arg = next((a for a in cb.call.args if a.keyword is not None and a.keyword.value == key), None)
        diags.append(at(arg if arg is not None else cb.call, "LGEN129", what, fix))

    def is_int(v):
        return isinstance(v, int) and not isinstance(v, bool)

    # each Trainer's callbacks: their state keys differ within that Trainer
    site_of = {id(cb.call): i for i, site in enumerate(run.sites) for cb in site.callbacks}
    for cb in run.callbacks:
        a = cb.args
        if cb.kind == "Callback":
            _user_callback(facts, cb, at, diags, user)
            # Lightning's `_validate_callbacks_list`: stateful ones (state_dict overridden) by `state_key`
            key = cb.cls.name.value if "state_dict" in _methods(cb.cls) else None
            if key is None:
                continue
        elif cb.kind == "ModelCheckpoint":
            if not checkpointing:
                diags.append(at(cb.call, "LGEN129", "a `ModelCheckpoint` with `enable_checkpointing=False`; Lightning raises", "drop `enable_checkpointing=False`, or the callback"))
            for key, allowed in (("verbose", (False,)), ("save_on_exception", (False,)), ("train_time_interval", (None,))):
                if key in a and a[key] not in allowed or key in a and isinstance(a[key], bool) != isinstance(allowed[0], bool):
                    bad(cb, key, f"`ModelCheckpoint({key}={a[key]!r})` is not ejected yet")
            for key, allowed in (("save_last", (None, False, True, "link")), ("save_on_train_epoch_end", (None, False, True)), ("auto_insert_metric_name", (False, True)), ("enable_version_counter", (False, True)), ("save_weights_only", (False, True)), ("mode", ("min", "max"))):
                if key in a and (a[key] not in allowed or type(a[key]) not in {type(x) for x in allowed}):
                    bad(cb, key, f"`ModelCheckpoint({key}={a[key]!r})` is not ejected (Lightning takes {', '.join(map(repr, allowed))})")
            for key in ("dirpath", "filename", "monitor"):
                if key in a and a[key] is not None and not isinstance(a[key], str):
                    bad(cb, key, f"`ModelCheckpoint({key}={a[key]!r})` is not a string")
            top_k = a.get("save_top_k", 1)
            if not is_int(top_k) or top_k < -1:
                bad(cb, "save_top_k", f"`ModelCheckpoint(save_top_k={top_k!r})`: Lightning takes an int >= -1")
            elif a.get("monitor") is None and top_k not in (-1, 0, 1):
                bad(cb, "save_top_k", f"`ModelCheckpoint(save_top_k={top_k}, monitor=None)`: Lightning raises (no quantity for top_k to track)", "pass `monitor=`, or save_top_k -1, 0 or 1")
            every = a.get("every_n_epochs")
            if every is not None and (not is_int(every) or every < 0):
                bad(cb, "every_n_epochs", f"`ModelCheckpoint(every_n_epochs={every!r})`: Lightning takes an int >= 0")
            steps = a.get("every_n_train_steps")
            if steps is not None and (not is_int(steps) or steps < 0):
                bad(cb, "every_n_train_steps", f"`ModelCheckpoint(every_n_train_steps={steps!r})`: Lightning takes an int >= 0")
            elif steps:
                train_steps = True
                if not facts.automatic_optimization and "saved_models" in facts.module.code:
                    # Lightning's manual-optimization branch saves a `saved_models` state instead
                    bad(cb, "every_n_train_steps", "`ModelCheckpoint(every_n_train_steps=...)` under manual optimization with a model that keeps `saved_models` is not ejected (Lightning then saves that pre-step state of `self.layer`)")
            if a.get("save_on_train_epoch_end") is False:
                validation_end = True
            # Lightning's __init_triggers: every_n_epochs=1 only when no trigger is given at all
            n_epochs = 1 if all(a.get(k) is None for k in ("every_n_epochs", "every_n_train_steps", "train_time_interval")) else every or 0
            key = f"ModelCheckpoint{ {'monitor': a.get('monitor'), 'mode': a.get('mode', 'min'), 'every_n_train_steps': a.get('every_n_train_steps') or 0, 'every_n_epochs': n_epochs, 'train_time_interval': None}!r}"
        elif cb.kind == "EarlyStopping":
            if not isinstance(a.get("monitor"), str):
                diags.append(at(cb.call, "LGEN129", "`EarlyStopping` without a literal `monitor=` name", "pass `monitor=\"name\"`"))
            for key, allowed in (("verbose", (False,)), ("mode", ("min", "max")), ("strict", (True, False)), ("check_finite", (True, False)), ("check_on_train_epoch_end", (None, True, False)), ("log_rank_zero_only", (True, False))):
                if key in a and (a[key] not in allowed or type(a[key]) not in {type(x) for x in allowed}):
                    bad(cb, key, f"`EarlyStopping({key}={a[key]!r})` is not ejected (the script takes {', '.join(map(repr, allowed))})")
            if "patience" in a and not is_int(a["patience"]):
                bad(cb, "patience", f"`EarlyStopping(patience={a['patience']!r})` is not an int")
            for key in ("min_delta", "stopping_threshold", "divergence_threshold"):
                v = a.get(key)
                if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
                    bad(cb, key, f"`EarlyStopping({key}={v!r})` is not a number")
            if a.get("check_on_train_epoch_end") is False:
                validation_end = True
            key = f"EarlyStopping{ {'monitor': a.get('monitor'), 'mode': a.get('mode', 'min')}!r}"
        else:  # LearningRateMonitor: its rows go to the logger; no state
            if args_logger is False:
                diags.append(at(cb.call, "LGEN129", "a `LearningRateMonitor` with `logger=False`; Lightning raises (it needs a logger)", "drop `logger=False`, or the callback"))
            if a.get("logging_interval") not in (None, "step", "epoch"):
                bad(cb, "logging_interval", f"`LearningRateMonitor(logging_interval={a['logging_interval']!r})`: Lightning takes None, \"step\" or \"epoch\"")
            for key in ("log_momentum", "log_weight_decay"):
                if key in a and not isinstance(a[key], bool):
                    bad(cb, key, f"`LearningRateMonitor({key}={a[key]!r})` is not ejected (the script takes True or False)")
            if a.get("logging_interval") != "epoch" and not run.trainer_args.get("log_every_n_steps", 50):
                bad(cb, "logging_interval", "a `LearningRateMonitor` logging per step with `log_every_n_steps=0` is not ejected yet")
            continue
        key = (site_of.get(id(cb.call)), key)
        if key in keys:
            diags.append(at(cb.call, "LGEN129", f"two callbacks with the same state key `{key[1]}`; Lightning raises (their states would collide in the checkpoint)", "give them different `monitor` / `mode` / `every_n_epochs`"))
        keys[key] = cb
    validate = next((tc for tc in run.after if tc.method == "validate"), None)
    if validate is not None and user["user_hooks"] & VALIDATION_HOOKS:
        diags.append(at(validate.call, "LGEN129", "`validate` after fit with a user callback's validation hooks is not ejected yet (the script calls them in fit's validation)", "drop the hooks or the `validate` call, or keep the run on Lightning"))
    elif run.after and user["user_hooks"] & FIT_AND_EVAL_HOOKS:
        hooks = ", ".join(f"`{h}`" for h in sorted(user["user_hooks"] & FIT_AND_EVAL_HOOKS))
        diags.append(at(run.after[0].call, "LGEN129", f"`{run.after[0].method}` after fit with a user callback's {hooks} is not ejected yet (the script calls them in fit only)", "drop the hooks or the call, or keep the run on Lightning"))
    if "on_before_optimizer_step" in user["user_hooks"] and "optimizer_step" in facts.methods:
        diags.append(at(facts.methods["optimizer_step"].name, "LGEN129", "a user callback's `on_before_optimizer_step` with the model's own `optimizer_step` is not ejected yet", "keep one of them, or keep the run on Lightning"))
    out = {"callbacks": tuple(sorted(kinds)), "callback_validation_end": validation_end}
    if train_steps:
        out["checkpoint_train_steps"] = True
    if "EarlyStopping" in kinds and len(run.sites) > 1 and any(all(cb.kind != "EarlyStopping" for cb in site.callbacks) for site in run.sites):
        out["early_stopping_optional"] = True
    if "Callback" in kinds:
        out |= {"user_hooks": frozenset(user["user_hooks"]), "callback_reads": frozenset(user["callback_reads"]), "user_stop": user["user_stop"], "model_callbacks": bool(run.model_callbacks)}
    return out, diags


# Lightning 2.6.6's `Callback` methods (callbacks/callback.py), and those the script calls on the
# user's own callbacks, where Lightning calls them
CALLBACK_METHODS = frozenset(
    """setup teardown on_fit_start on_fit_end on_sanity_check_start on_sanity_check_end
    on_train_batch_start on_train_batch_end on_train_epoch_start on_train_epoch_end
    on_validation_epoch_start on_validation_epoch_end on_test_epoch_start on_test_epoch_end
    on_predict_epoch_start on_predict_epoch_end on_validation_batch_start on_validation_batch_end
    on_test_batch_start on_test_batch_end on_predict_batch_start on_predict_batch_end on_train_start
    on_train_end on_validation_start on_validation_end on_test_start on_test_end on_predict_start
    on_predict_end on_exception state_dict on_save_checkpoint on_load_checkpoint load_state_dict
    on_before_backward on_after_backward on_before_optimizer_step on_before_zero_grad state_key
    _generate_state_key _legacy_state_key""".split()
)
USER_CALLBACK_HOOKS = frozenset(
    {"on_fit_start", "on_fit_end", "on_train_start", "on_train_end", "on_train_epoch_start", "on_train_epoch_end", "on_train_batch_start", "on_train_batch_end"}
    | {"on_validation_start", "on_validation_epoch_start", "on_validation_epoch_end", "on_validation_end"}
    | {"on_before_backward", "on_after_backward", "on_before_optimizer_step", "on_before_zero_grad"}
    | {"setup", "teardown", "on_sanity_check_start", "on_sanity_check_end", "on_save_checkpoint", "on_load_checkpoint"}
)
# hooks Lightning also calls in validate / test / predict, which the script calls in fit only
FIT_AND_EVAL_HOOKS = frozenset({"setup", "teardown", "on_load_checkpoint", "on_save_checkpoint"})
VALIDATION_HOOKS = frozenset({"on_validation_start", "on_validation_epoch_start", "on_validation_epoch_end", "on_validation_end"})
# `trainer.<attr>` a user's callback may read: what the script's loop object keeps
CALLBACK_TRAINER_READS = TRAINER_ATTRIBUTES | {"should_stop", "checkpoint_callback", "checkpoint_callbacks", "early_stopping_callback", "logger", "loggers", "log_dir"}
# where setting `trainer.should_stop` stops the run as in Lightning: before the next epoch
STOP_HOOKS = frozenset({"on_train_start", "on_train_epoch_end"})


def _methods(cls: cst.ClassDef) -> dict[str, cst.FunctionDef]:
    return {s.name.value: s for s in cls.body.body if isinstance(s, cst.FunctionDef)}


def _user_callback(facts: ModelFacts, cb, at, diags: list, user: dict) -> None:
    """A user's own `Callback` subclass: the hooks it defines that the script calls where Lightning
    does, what it reads off the trainer; the rest a located error."""
    cls = cb.cls
    if len(cls.bases) != 1 or cls.keywords or cls.decorators:
        diags.append(at(cls.name, "LGEN129", f"callback class `{cls.name.value}` has other bases, keywords or decorators besides Lightning's `Callback`; not ejected yet", "derive it from `Callback` alone"))
        return
    for stmt in cls.body.body:
        if not isinstance(stmt, cst.FunctionDef):
            continue
        name = stmt.name.value
        if name in CALLBACK_METHODS and name not in USER_CALLBACK_HOOKS | {"state_dict", "load_state_dict"}:
            diags.append(at(stmt.name, "LGEN129", f"callback hook `{cls.name.value}.{name}` is not ejected yet (the script calls a user callback's {', '.join(f'`{h}`' for h in sorted(USER_CALLBACK_HOOKS))}, `state_dict` and `load_state_dict`)", "move its work into one of those hooks, or keep the run on Lightning"))
            continue
        if stmt.decorators:
            diags.append(at(stmt.name, "LGEN129", f"callback method `{cls.name.value}.{name}` is decorated; not ejected yet", "define it as a plain method"))
            continue
        if name in USER_CALLBACK_HOOKS:
            user["user_hooks"].add(name)
        params = [p.name.value for p in stmt.params.params]
        if name in ("setup", "teardown") and (len(params) != 4 or params[3] != "stage"):
            diags.append(at(stmt.name, "LGEN129", f"callback hook `{cls.name.value}.{name}` without Lightning's parameters `(self, trainer, pl_module, stage)`; Lightning passes `stage=` by name", "take `(self, trainer, pl_module, stage)`"))
        trainer = params[1] if name in USER_CALLBACK_HOOKS and len(params) > 1 else None
        module = params[2] if name in USER_CALLBACK_HOOKS and len(params) > 2 else None
        _scan_callback_method(stmt, name, trainer, module, at, diags, user)


def _scan_callback_method(fn: cst.FunctionDef, hook: str, trainer, module, at, diags, user) -> None:
    """What a user callback's method does with the trainer and the module it is given, and its
    `super()` calls: what the script's loop and the plain module answer, or a located error."""
    parents: dict[int, cst.CSTNode] = {}

    class _Parents(cst.CSTVisitor):
        def on_visit(self, node):
            for child in node.children:
                parents[id(child)] = node
            return True

    fn.body.visit(_Parents())
    LIGHTNING_MODULE = LIGHTNING_MODULE_MEMBERS

    class _Uses(cst.CSTVisitor):
        def visit_Name(self, node):
            parent = parents.get(id(node))
            if node.value == "super" and isinstance(parent, cst.Call):
                outer = parents.get(id(parent))
                if not (isinstance(outer, cst.Attribute) and outer.attr.value == "__init__" and hook == "__init__"):
                    diags.append(at(parent, "LGEN129", "a user callback calls `super()` other than in `__init__`; its `Callback` base is gone in the script", "drop the `super()` call (Lightning's `Callback` hooks do nothing)"))
                return
            if node.value not in (trainer, module):
                return
            if isinstance(parent, cst.Attribute) and parent.value is node:
                attr = parent.attr.value
                if node.value == trainer:
                    target = parents.get(id(parent))
                    assigned = isinstance(target, cst.AssignTarget) or isinstance(target, cst.AugAssign) and target.target is parent
                    if attr == "should_stop" and assigned:
                        if hook not in STOP_HOOKS:
                            diags.append(at(parent, "LGEN129", f"a user callback sets `trainer.should_stop` in `{hook}`; lgen ejects it in {' and '.join(f'`{h}`' for h in sorted(STOP_HOOKS))}", "set it in `on_train_epoch_end`"))
                        user["user_stop"] = True
                    elif assigned:
                        diags.append(at(parent, "LGEN129", f"a user callback assigns `trainer.{attr}`; the script's loop does not follow it", "keep the value in the callback"))
                    elif attr in CALLBACK_TRAINER_READS:
                        user["callback_reads"].add(attr)
                    else:
                        diags.append(at(parent, "LGEN129", f"a user callback reads `trainer.{attr}`, which the ejected loop does not offer", "read one of: " + ", ".join(f"`{r}`" for r in sorted(CALLBACK_TRAINER_READS))))
                elif attr in LIGHTNING_MODULE:
                    diags.append(at(parent, "LGEN129", f"a user callback uses `pl_module.{attr}`, Lightning's; the ejected module is a plain `nn.Module`", "read it off the trainer (`trainer.current_epoch`, ...) or use the module's own attributes"))
                return
            diags.append(at(node, "LGEN129", f"a user callback hands `{node.value}` to other code, which lgen does not follow", "use it only through its attributes"))

    fn.body.visit(_Uses())


def _eval_ckpt(run) -> frozenset[str]:
    """The evaluation calls that may load a checkpoint: `ckpt_path=` given (not None), or no
    model (Lightning then loads the fit's best checkpoint)."""
    methods = set()
    for tc in run.after:
        ckpt = tc.args.get("ckpt_path")
        if "model" not in tc.args or (ckpt is not None and not (isinstance(ckpt, cst.Name) and ckpt.value == "None")):
            methods.add(tc.method)
    return frozenset(methods)


def _datamodule_hooks(cls: cst.ClassDef, at, diags: list[Diagnostic]) -> frozenset[str]:
    """The hooks a LightningDataModule class defines that the script calls; what it cannot
    reproduce yet goes to `diags`."""
    methods = {s.name.value: s for s in cls.body.body if isinstance(s, cst.FunctionDef)}
    dm_hooks = frozenset(m for m in methods if m in DATAMODULE_HOOKS)
    for m in sorted(set(methods) & DATAMODULE_UNSUPPORTED):
        diags.append(at(methods[m].name, "LGEN126", f"the datamodule's `{m}` is not ejected yet", "move it to the model, or keep the run on Lightning"))
    selfs = {fn.params.params[0].name.value for fn in methods.values() if fn.params.params}
    members = DATAMODULE_MEMBERS
    if _saves_hparams(cls):
        members = members - {"hparams", "save_hyperparameters"}  # see _datamodule_hparams

    class _Members(cst.CSTVisitor):
        def visit_Attribute(self, node):
            v = node.value
            if isinstance(v, cst.Call) and isinstance(v.func, cst.Name) and v.func.value == "super" and not v.args and node.attr.value != "__init__":
                # the ejected class has no LightningDataModule base: Lightning's own hook is gone
                diags.append(at(node, "LGEN126", f"the datamodule calls Lightning's `{node.attr.value}` through `super()`; not ejected yet", "do what it does in your own method (Lightning's default moves the batch, or returns it as it is)"))
            if isinstance(node.value, cst.Name) and node.value.value in selfs and node.attr.value in members and node.attr.value not in methods:
                diags.append(at(node, "LGEN126", f"the datamodule's `self.{node.attr.value}` is not ejected yet", "keep the datamodule to plain attributes of its own"))

    cls.visit(_Members())
    if "train_dataloader" not in dm_hooks:
        diags.append(at(cls.name, "LGEN110", f"the datamodule `{cls.name.value}` defines no `train_dataloader`; Lightning raises", "define `train_dataloader(self)`"))
    return dm_hooks


def _saves_hparams(cls: cst.ClassDef) -> bool:
    found = []

    class _Saves(cst.CSTVisitor):
        def visit_Attribute(self, node):
            if node.attr.value == "save_hyperparameters":
                found.append(node)

    cls.visit(_Saves())
    return bool(found)


def _hparams_maybe_empty(facts: ModelFacts) -> bool:
    from lgen.rewrite import _save_hparams, hparams_maybe_empty

    u = next((u for u in facts.uses if u.member == "save_hyperparameters" and u.call is not None), None)
    if u is None or "__init__" not in facts.methods:
        return False
    saved, d = _save_hparams(facts, u, None)
    return d is None and hparams_maybe_empty(saved)


def _datamodule_hparams(facts: ModelFacts, cls: cst.ClassDef, files: bool, at, diags: list[Diagnostic]) -> dict:
    """The datamodule's `self.save_hyperparameters(...)`, read as the model's (rewrite.py
    `_save_hparams`): the RunPlan fields it sets; what lgen refuses goes to `diags`."""
    from lgen.rewrite import _save_hparams, datamodule_facts, hparams_maybe_empty

    dm = datamodule_facts(facts, cls)
    if not dm.uses:
        if _saves_hparams(cls):
            diags.append(at(cls.name, "LGEN126", "the datamodule's `self.save_hyperparameters` is used without being called; not ejected", "call `self.save_hyperparameters(...)` in `__init__`"))
        return {}
    statements = set()

    class _Statements(cst.CSTVisitor):
        def visit_Expr(self, node):
            statements.add(id(node.value))

    cls.visit(_Statements())
    u = dm.uses[0]
    if id(u.call) not in statements:
        diags.append(at(u.call, "LGEN126", "the datamodule's `self.save_hyperparameters(...)` inside an expression is not ejected", "call it as a statement of its own in `__init__`"))
        return {}
    if "__init__" not in dm.methods:
        diags.append(at(u.call, "LGEN301", "`self.save_hyperparameters()` is called outside `__init__`", "call it in `__init__`"))
        return {}
    saved, d = _save_hparams(dm, u, None)
    if d is not None:
        diags.append(d)
        return {}
    if callable(saved):
        diags.append(at(u.call, "LGEN126", "the datamodule's `self.save_hyperparameters(...)` with an `ignore=` that is not a literal, or in a base's `__init__`, is not ejected yet", "name the ignored arguments as strings, in the datamodule class's own `__init__`"))
        return {}
    if not (isinstance(saved, cst.Call) and dotted(saved.func) == "AttributeDict"):
        diags.append(at(u.call, "LGEN126", "the datamodule's `self.save_hyperparameters(config)` is not ejected yet", "save named hyperparameters (`self.save_hyperparameters()`)"))
        return {}
    flag = next((a.value for a in u.call.args if a.keyword is not None and a.keyword.value == "logger"), None)
    return {
        "datamodule_hparams": True,
        "datamodule_hparams_maybe_empty": hparams_maybe_empty(saved),
        "datamodule_logs_hparams": files and (flag is None or dotted(flag) != "False"),
    }


def plan_datamodule(facts: ModelFacts, cls: cst.ClassDef) -> tuple[RunPlan | None, list[Diagnostic]]:
    """`lgen eject MODEL.py --datamodule NAME`: fit on `NAME()`, as `trainer.fit(model, datamodule=NAME())`."""
    diags: list[Diagnostic] = []

    def at(node, code, msg, help=""):
        return facts.diag(code, node, msg, help)

    dm_hooks = _datamodule_hooks(cls, at, diags)
    dm_hparams = _datamodule_hparams(facts, cls, False, at, diags)
    init = next((s for s in cls.body.body if isinstance(s, cst.FunctionDef) and s.name.value == "__init__"), None)
    if init is not None:
        p = init.params
        required = [a for a in [*p.posonly_params, *p.params][1:] if a.default is None] + [a for a in p.kwonly_params if a.default is None]
        if required:
            diags.append(at(required[0], "LGEN127", f"`{cls.name.value}.__init__` needs `{required[0].name.value}`; with `--datamodule` the script builds it as `{cls.name.value}()`", "give every parameter of `__init__` a default, or call the script's `fit(model, datamodule=...)` from your own code"))
    if any(d.is_error for d in diags):
        return None, diags
    return (
        RunPlan(
            trainer_name="",
            train_source="datamodule",
            val_source="datamodule" if "val_dataloader" in dm_hooks else None,
            datamodule=cls.name.value,
            datamodule_hooks=dm_hooks,
            fit_params=("datamodule",),
            evaluations=(),
            deterministic=False,
            limit_test_batches=1.0,
            reads=frozenset(),
            main_datamodule=cls.name.value,
            **dm_hparams,
        ),
        diags,
    )


# the model's hooks `validate` / `test` / `predict` call besides those fit calls (LOOP_HOOKS)
EVAL_HOOKS = frozenset(
    {"test_step", "predict_step", "test_dataloader", "predict_dataloader", "forward"}
    | {f"on_{stage}_{when}" for stage in ("test", "predict") for when in ("start", "end", "epoch_start", "epoch_end", "batch_start", "batch_end", "model_eval", "model_train")}
) - {"on_predict_model_train"}  # Lightning never calls it: predict restores the train flags itself
# the methods Lightning requires for each call, and the hooks in which it forbids `self.log`
_EVAL_STEP = {"validate": "validation_step", "test": "test_step", "predict": None}
_NO_LOG = {
    "validate": ("on_validation_end", "on_validation_model_eval", "on_validation_model_train", "val_dataloader"),
    "test": ("on_test_end", "on_test_model_eval", "on_test_model_train", "test_dataloader"),
    "predict": tuple(sorted(h for h in EVAL_HOOKS if "predict" in h)),
}


def _eval_sources(facts: ModelFacts, run, at) -> tuple[dict[str, str], list[Diagnostic]]:
    """Each evaluation method's data source, and what lgen refuses about the calls."""
    diags: list[Diagnostic] = []
    sources: dict[str, str] = {}
    for tc in run.after:
        stage = {"validate": "val", "test": "test", "predict": "predict"}[tc.method]
        if "datamodule" in tc.args and "dataloaders" in tc.args:
            diags.append(at(tc.call, "LGEN123", f"`{tc.method}` is given both `dataloaders` and `datamodule`; Lightning raises", "pass one of them"))
            continue
        if "datamodule" in tc.args:
            dm = tc.args["datamodule"]
            cls = run.datamodule_class
            fit_args = (tc.fit or run.fit).args  # the fit of the same Trainer before this call
            if cls is None or not (isinstance(dm, cst.Name) and isinstance(fit_args.get("datamodule"), cst.Name) and dm.value == fit_args["datamodule"].value):
                diags.append(at(dm, "LGEN126", f"`{tc.method}(datamodule=...)` with a datamodule other than the one given to `fit` is not ejected yet", "pass the datamodule `fit` was given (by the same name)"))
                continue
            methods = {s.name.value for s in next(c for c in run.module.body if isinstance(c, cst.ClassDef) and c.name.value == cls).body.body if isinstance(s, cst.FunctionDef)}
            if f"{stage}_dataloader" not in methods:
                diags.append(at(dm, "LGEN110", f"the datamodule `{cls}` defines no `{stage}_dataloader`; Lightning raises", f"define `{stage}_dataloader(self)`"))
            source = "datamodule"
        elif "dataloaders" in tc.args and not (isinstance(tc.args["dataloaders"], cst.Name) and tc.args["dataloaders"].value == "None"):
            source = "loaders"
        else:
            # Lightning takes the model's hook here, even when fit was given a datamodule
            if f"{stage}_dataloader" not in facts.methods:
                diags.append(at(tc.call, "LGEN110", f"`{tc.method}` is given no data and `{facts.class_name}` defines no `{stage}_dataloader`; Lightning raises", "pass `dataloaders=`, or define the hook on the model"))
            source = "model"
        if sources.setdefault(tc.method, source) != source:
            diags.append(at(tc.call, "LGEN125", f"`{tc.method}` is called with data from different places; lgen ejects each method with one kind of data", "give every such call its data the same way"))
        step = _EVAL_STEP[tc.method]
        if step is not None and step not in facts.methods:
            diags.append(at(tc.call, "LGEN110", f"`{tc.method}` needs `{step}`, which `{facts.class_name}` does not define; Lightning raises", f"define `{step}(self, batch, batch_idx)`"))
    # `self.log` where Lightning forbids it, and arguments of `self.log` the returned dicts depend on
    evaluations = {tc.method for tc in run.after}
    for u in facts.uses:
        if u.member not in _LOG_POSITIONS or u.call is None or u.member in facts.methods:
            continue
        callers = _callers_of(facts, u.method)
        for method in sorted(evaluations):
            hook = min(callers & set(_NO_LOG[method]), default=None)
            if hook is not None:
                where = f"`{u.method}`," if hook == u.method else f"`{u.method}`, which `{hook}` calls,"
                diags.append(at(u.call, "LGEN304", f"`self.{u.member}` in {where} which `{method}` runs: Lightning forbids logging there", "log from a step or an epoch hook"))
        train_only = (hooks := _log_hooks(facts, u.method)) and all(LOOP_HOOKS[h] in ("train_step", "train_epoch") for h in hooks)
        a = _passes(u.call, u.member, "logger")
        if evaluations & {"test", "validate"} and not train_only and a is not None and dotted(a.value) not in ("True", "None"):
            diags.append(at(a, "LGEN125", "`self.log(..., logger=...)` decides what `validate` / `test` return; lgen does not eject it yet", "drop `logger=`"))
    return sources, diags


# `self.log` / `self.log_dict`'s positional index of `add_dataloader_idx`
_ADD_DATALOADER_IDX = {"log": 10, "log_dict": 9}


def _eval_loaders(facts: ModelFacts, run, at) -> tuple[dict[str, int], list[Diagnostic]]:
    """The evaluation methods given a list of several loaders, with their number; what lgen
    refuses about them (where Lightning raises, or what the script does not reproduce yet)."""
    diags: list[Diagnostic] = []
    counts: dict[str, int] = {}
    for tc in run.after:
        loaders = tc.args.get("dataloaders")
        n = len(loaders.elements) if isinstance(loaders, (cst.List, cst.Tuple)) and "datamodule" not in tc.args else 1
        if counts.setdefault(tc.method, n) != n:
            diags.append(at(tc.call, "LGEN125", f"`{tc.method}` is called with different numbers of loaders; lgen ejects each method with one", "give every such call the same number of loaders"))
    multi = {m: n for m, n in counts.items() if n > 1}
    for method in sorted(multi):
        hook_stage = {"validate": "validation", "test": "test", "predict": "predict"}[method]
        for hook in (f"{hook_stage}_step", f"on_{hook_stage}_batch_start", f"on_{hook_stage}_batch_end"):
            fn = facts.methods.get(hook)
            if fn is None:
                continue
            if takes_batch_idx(facts, fn) is None:
                diags.append(at(fn.name, "LGEN125", f"a decorator hides `{hook}`'s signature; lgen does not eject it with several loaders yet", "take `(self, batch, batch_idx, dataloader_idx=0)` without a decorator"))
                continue
            p = fn.params
            positional = [a.name.value for a in (*p.posonly_params, *p.params)][1:]
            if "dataloader_idx" not in positional and not isinstance(p.star_arg, cst.Param):
                # Lightning's `_verify_dataloader_idx_requirement`
                diags.append(at(fn.name, "LGEN126", f"`{method}` is given several loaders but `{hook}` takes no `dataloader_idx`; Lightning raises", "add `dataloader_idx=0` to its signature"))
    if multi:
        for u in facts.uses:
            if u.member not in _ADD_DATALOADER_IDX or u.call is None or u.member in facts.methods:
                continue
            for i, a in enumerate(u.call.args):
                if a.star or (a.keyword is not None and a.keyword.value == "add_dataloader_idx") or (a.keyword is None and i >= _ADD_DATALOADER_IDX[u.member]):
                    diags.append(at(a, "LGEN126", "`self.log(..., add_dataloader_idx=...)` with several loaders is not ejected yet", "drop it (Lightning then adds `/dataloader_idx_N` to the name)"))
                    break
    return multi, diags


def _bound_names(run) -> set[str]:
    """The names the entry binds at module level and in the function holding the run."""

    class _Bound(cst.CSTVisitor):
        def __init__(self):
            self.names: set[str] = set()

        def _target(self, node):
            if isinstance(node, cst.Name):
                self.names.add(node.value)
            elif isinstance(node, (cst.Tuple, cst.List)):
                for e in node.elements:
                    self._target(e.value)
            elif isinstance(node, cst.StarredElement):
                self._target(node.value)

        def visit_AssignTarget(self, node):
            self._target(node.target)

        def visit_AnnAssign(self, node):
            self._target(node.target)

        def visit_AugAssign(self, node):
            self._target(node.target)

        def visit_NamedExpr(self, node):
            self._target(node.target)

        def visit_For(self, node):
            self._target(node.target)

        def visit_CompFor(self, node):
            return False  # a comprehension's names are its own

        def visit_WithItem(self, node):
            if node.asname is not None:
                self._target(node.asname.name)

        def visit_ExceptHandler(self, node):
            if node.name is not None:
                self._target(node.name.name)

        def visit_ImportAlias(self, node):
            name = node.asname.name if node.asname is not None else node.name
            self._target(name if isinstance(name, cst.Name) else cst.Name(cst.Module([]).code_for_node(name).split(".")[0]))

        def visit_Param(self, node):
            self._target(node.name)

        def visit_FunctionDef(self, node):
            self.names.add(node.name.value)
            return node is run.scope or any(node is s for s in run.scopes)  # only the run's functions are looked into

        def visit_ClassDef(self, node):
            self.names.add(node.name.value)
            return False

        def visit_Lambda(self, node):
            return False

    v = _Bound()
    run.module.visit(v)
    return v.names
