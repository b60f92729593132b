"""Stage 1b: read the entry's run statically — the `Trainer(...)`, the `.fit(...)` on it, the
`seed_everything(...)` and the `validate` / `test` / `predict` calls after it.

A file without a `Trainer(...)` and a `.fit(...)` on it has no run: it is a model file (contract §1).
Nothing here imports or executes the user's file. The result is plain values (RunFacts) that
plan and rewrite read; the syntax nodes in it are the entry's own, so rewrite can find them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from lgen.diagnostics import Diagnostic
from lgen.inspect import _Positions, dotted, import_map, qualname

TRAINER_NAMES = frozenset(
    f"{root}.{path}"
    for root in ("lightning.pytorch", "pytorch_lightning")
    for path in ("Trainer", "trainer.Trainer", "trainer.trainer.Trainer")
) | {"lightning.Trainer"}
SEED_NAMES = frozenset(
    {
        "lightning.seed_everything",
        "lightning.pytorch.seed_everything",
        "pytorch_lightning.seed_everything",
        "lightning.fabric.utilities.seed.seed_everything",
        "lightning_fabric.utilities.seed.seed_everything",
        "lightning.fabric.seed_everything",
        "lightning_fabric.seed_everything",
        "lightning.pytorch.utilities.seed.seed_everything",
        "pytorch_lightning.utilities.seed.seed_everything",
    }
)
DATAMODULE_NAMES = frozenset(
    f"{root}.{path}"
    for root in ("lightning.pytorch", "pytorch_lightning")
    for path in ("LightningDataModule", "core.LightningDataModule", "core.datamodule.LightningDataModule")
) | {"lightning.LightningDataModule"}

# the callbacks lgen ejects in `Trainer(callbacks=[...])`, by class name, with Lightning 2.6.6's
# parameters (in order) and the values each takes in the script (checked statically)
CALLBACK_NAMES = {
    f"{root}.{path}": kind
    for root in ("lightning.pytorch", "pytorch_lightning")
    for kind, paths in (
        ("ModelCheckpoint", ("callbacks.ModelCheckpoint", "callbacks.model_checkpoint.ModelCheckpoint")),
        ("EarlyStopping", ("callbacks.EarlyStopping", "callbacks.early_stopping.EarlyStopping")),
        ("LearningRateMonitor", ("callbacks.LearningRateMonitor", "callbacks.lr_monitor.LearningRateMonitor")),
    )
    for path in paths
} | {"lightning.pytorch.callbacks.ModelCheckpoint": "ModelCheckpoint"}
CALLBACK_PARAMS = {
    "ModelCheckpoint": (
        "dirpath", "filename", "monitor", "verbose", "save_last", "save_top_k", "save_on_exception",
        "save_weights_only", "mode", "auto_insert_metric_name", "every_n_train_steps",
        "train_time_interval", "every_n_epochs", "save_on_train_epoch_end", "enable_version_counter",
    ),
    "EarlyStopping": (
        "monitor", "min_delta", "patience", "verbose", "mode", "strict", "check_finite",
        "stopping_threshold", "divergence_threshold", "check_on_train_epoch_end", "log_rank_zero_only",
    ),
    "LearningRateMonitor": ("logging_interval", "log_momentum", "log_weight_decay"),
}


# Lightning's loggers, by qualified name -> class name: the CSVLogger the script holds a plain
# class of; the others are located errors (the script writes CSVLogger's files only)
LOGGER_NAMES = {
    f"{root}.{path}{cls}": cls
    for root in ("lightning.pytorch", "pytorch_lightning")
    for cls, module in (
        ("CSVLogger", "csv_logs"), ("TensorBoardLogger", "tensorboard"), ("WandbLogger", "wandb"),
        ("MLFlowLogger", "mlflow"), ("CometLogger", "comet"), ("NeptuneLogger", "neptune"), ("LitLogger", "litlogger"),
    )
    for path in ("loggers.", f"loggers.{module}.")
} | {f"{root}.loggers.{cls}": f"Fabric's {cls}" for root in ("lightning.fabric", "lightning_fabric") for cls in ("CSVLogger", "TensorBoardLogger")}
# `trainer.<attr>` reads of the run's loggers (the script's loop keeps them as Lightning's Trainer)
LOGGER_READS = frozenset({"logger", "loggers", "log_dir"})


@dataclass
class CallbackFacts:
    """One callback of `Trainer(callbacks=[...])`: its kind, its literal arguments, the call that
    builds it (in the list, or assigned to `name` before the Trainer)."""

    kind: str
    args: dict[str, object]
    call: cst.Call
    name: str | None = None
    # kind "Callback": the user's own subclass of Lightning's `Callback`, its class in the entry
    cls: cst.ClassDef | None = None


# Trainer methods lgen ejects, with Lightning 2.6's parameters in order (after `model`)
METHOD_PARAMS = {
    "fit": ("model", "train_dataloaders", "val_dataloaders", "datamodule", "ckpt_path"),
    "validate": ("model", "dataloaders", "ckpt_path", "verbose", "datamodule"),
    "test": ("model", "dataloaders", "ckpt_path", "verbose", "datamodule"),
    "predict": ("model", "dataloaders", "datamodule", "return_predictions", "ckpt_path"),
}

# Trainer arguments that are lgen eject flags (same names), and those that change nothing the
# script does when given these values (progress bar, summary: printing only)
FLAG_ARGS = (
    "max_epochs",
    "max_steps",
    "accumulate_grad_batches",
    "gradient_clip_val",
    "gradient_clip_algorithm",
    "precision",
    "strategy",
    "devices",
    "accelerator",
    "num_sanity_val_steps",
    "check_val_every_n_epoch",
    "limit_train_batches",
    "limit_val_batches",
    "val_check_interval",
)
PRINT_ONLY_ARGS = ("enable_progress_bar", "enable_model_summary")
# arguments read by the script itself
RUN_ARGS = ("limit_test_batches", "limit_predict_batches", "deterministic", "inference_mode", "benchmark", "min_epochs")
# arguments the script reads per Trainer when it is made (`make_loop(...)`): they may be computed
# by the entry's code and may differ between several Trainers of one run
SITE_ARGS = ("max_epochs", "max_steps", "default_root_dir")
# literal arguments that may differ between several Trainers of one run: each `make_loop(...)`
# takes its own (the script reads them off the loop)
SITE_VALUE_ARGS = ("gradient_clip_val",)
_ABSENT = object()


@dataclass
class TrainerCall:
    """`trainer.<method>(...)` after the Trainer is made; `args` bound to Lightning's names."""

    method: str
    call: cst.Call
    args: dict[str, cst.BaseExpression]
    trainer: str = ""  # the name the Trainer is bound to ("": `Trainer(...).fit(...)`)
    model: cst.BaseExpression | None = None  # after fit: the model that fit was given
    fit: TrainerCall | None = None  # after fit: that fit (the same Trainer's last before this call)


@dataclass
class TrainerSite:
    """One `Trainer(...)` of the run."""

    call: cst.Call
    name: str  # "" for `Trainer(...).fit(...)`
    scope: cst.FunctionDef | None
    args: dict[str, object]  # literal arguments (Python values)
    arg_nodes: dict[str, cst.Arg]
    runtime: dict[str, cst.BaseExpression]  # SITE_ARGS computed by the entry's code
    callbacks: list[CallbackFacts] = field(default_factory=list)  # this Trainer's `callbacks=[...]`, in order


@dataclass
class RunFacts:
    trainer_name: str  # the local name bound to the Trainer ("" for `Trainer(...).fit(...)`)
    trainer: cst.Call  # the `Trainer(...)` call
    trainer_args: dict[str, object]  # literal Trainer arguments (Python values)
    trainer_arg_nodes: dict[str, cst.Arg]
    fit: TrainerCall
    after: list[TrainerCall]  # validate / test / predict calls after fit, in order
    model_class: str | None  # the class `fit` is given, when lgen sees it built here
    datamodule_class: str | None
    scope: cst.FunctionDef | None  # the function holding the run; None: module level
    in_main_guard: bool
    seeds: list[cst.Call] = field(default_factory=list)  # seed_everything calls, any spelling
    seed_workers: bool = False  # some call passes `workers=` (not a literal False)
    # other reads of the trainer in the entry code: (node, attribute name)
    reads: list[tuple[cst.Attribute, str]] = field(default_factory=list)
    save_checkpoints: list[cst.Call] = field(default_factory=list)  # trainer.save_checkpoint(...)
    module: cst.Module | None = None  # the entry's tree these nodes belong to
    # how many loaders fit's `val_dataloaders` is: 1, a list written out (2+), or 0 where only
    # the run tells (a name bound to something lgen does not see; the script decides as Lightning)
    fit_val_loaders: int = 1
    callbacks: list[CallbackFacts] = field(default_factory=list)  # Trainer(callbacks=[...]), in order
    # the user's own callbacks the model's `configure_callbacks()` may return (each class once)
    model_callbacks: list[CallbackFacts] = field(default_factory=list)
    # every Trainer of the run (the first is `trainer` above), every fit (the first is `fit`)
    sites: list[TrainerSite] = field(default_factory=list)
    fits: list[TrainerCall] = field(default_factory=list)
    saves: list[TrainerCall] = field(default_factory=list)  # save_checkpoint calls, with the model
    scopes: list[cst.FunctionDef] = field(default_factory=list)  # the functions holding a Trainer
    at_module_level: bool | None = None  # a Trainer in module-level code (outside the main guard)
    # the Trainers' max_epochs / max_steps are computed or differ: each `make_loop(...)` takes its own
    site_limits: bool = False
    # the entry's `CSVLogger(...)` calls (the script's class of that name), and whether some
    # Trainer is given a `logger=` expression (a logger object, or what the run computes)
    logger_calls: list[cst.Call] = field(default_factory=list)
    logger_given: bool = False
    # SITE_VALUE_ARGS the Trainers differ in: each `make_loop(...)` takes its own
    site_values: tuple[str, ...] = ()
    # fits called again on a Trainer that has fitted (its loops at their limit: no training)
    refits: list[cst.Call] = field(default_factory=list)

    @property
    def module_level(self) -> bool:
        if self.at_module_level is not None:
            return self.at_module_level
        return self.scope is None and not self.in_main_guard


class _Calls(cst.CSTVisitor):
    """Every call in a tree with the statement and the function that hold it; each call's,
    attribute's and name's place in source order, and the blocks around each call."""

    _BLOCKS = (cst.If, cst.Else, cst.For, cst.While, cst.With, cst.Try, cst.ExceptHandler, cst.Finally, cst.IndentedBlock)

    def __init__(self):
        self.calls: list[tuple[cst.Call, cst.CSTNode | None, cst.FunctionDef | None]] = []
        self.attrs: list[tuple[cst.Attribute, cst.FunctionDef | None]] = []
        self.names: list[tuple[cst.Name, cst.FunctionDef | None]] = []
        self.order: dict[int, int] = {}
        self.ancestors: dict[int, tuple] = {}
        self.stmt_of: dict[int, cst.CSTNode | None] = {}
        self.not_names: set[int] = set()  # Name nodes that are an attribute's or a keyword's name
        self._fn: list[cst.FunctionDef] = []
        self._stmt: list[cst.CSTNode] = []
        self._blocks: list[cst.CSTNode] = []

    def on_visit(self, node):
        self.order[id(node)] = len(self.order)
        if isinstance(node, self._BLOCKS):
            self._blocks.append(node)
        return super().on_visit(node)

    def on_leave(self, original_node):
        if isinstance(original_node, self._BLOCKS):
            self._blocks.pop()
        return super().on_leave(original_node)

    def visit_FunctionDef(self, node):
        self._fn.append(node)

    def leave_FunctionDef(self, node):
        self._fn.pop()

    def visit_SimpleStatementLine(self, node):
        self._stmt.append(node)

    def leave_SimpleStatementLine(self, node):
        self._stmt.pop()

    def visit_Call(self, node):
        self.ancestors[id(node)] = tuple(self._blocks)
        self.stmt_of[id(node)] = self._stmt[-1] if self._stmt else None
        self.calls.append((node, self._stmt[-1] if self._stmt else None, self._fn[-1] if self._fn else None))

    def visit_Attribute(self, node):
        self.attrs.append((node, self._fn[-1] if self._fn else None))
        self.not_names.add(id(node.attr))

    def visit_Arg(self, node):
        if node.keyword is not None:
            self.not_names.add(id(node.keyword))

    def visit_Name(self, node):
        self.names.append((node, self._fn[-1] if self._fn else None))


def is_main_guard(stmt) -> bool:
    if not isinstance(stmt, cst.If):
        return False
    t = stmt.test
    return (
        isinstance(t, cst.Comparison)
        and dotted(t.left) == "__name__"
        and len(t.comparisons) == 1
        and isinstance(t.comparisons[0].comparator, cst.SimpleString)
        and t.comparisons[0].comparator.evaluated_value == "__main__"
    )


def _literal(expr: cst.BaseExpression):
    """A Python value for a literal Trainer argument; raises ValueError otherwise."""
    import ast

    if isinstance(expr, (cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString)):
        return ast.literal_eval(cst.Module([]).code_for_node(expr))
    if isinstance(expr, cst.Name) and expr.value in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[expr.value]
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus) and isinstance(expr.expression, (cst.Integer, cst.Float)):
        return -_literal(expr.expression)
    if isinstance(expr, (cst.List, cst.Tuple)) and not expr.elements:
        return []
    raise ValueError


def bind_args(call: cst.Call, params: tuple[str, ...]) -> tuple[dict[str, cst.BaseExpression], cst.CSTNode | None]:
    """Binds a call's arguments to parameter names; returns (bound, the first argument lgen cannot bind)."""
    bound: dict[str, cst.BaseExpression] = {}
    for i, a in enumerate(call.args):
        if a.star:
            return bound, a
        if a.keyword is None:
            if i >= len(params):
                return bound, a
            bound[params[i]] = a.value
        else:
            if a.keyword.value not in params:
                return bound, a
            bound[a.keyword.value] = a.value
    return bound, None


def find_run(path: str, module: cst.Module, classes: dict[str, cst.ClassDef]) -> tuple[RunFacts | None, list[Diagnostic]]:
    """The run in `module`, or None when it has no `Trainer(...)` with a `.fit(...)`.

    `classes` are the file's top-level classes by name (to resolve what `fit` is given)."""
    imports = import_map(module)
    v = _Calls()
    module.visit(v)
    positions: _Positions | None = None

    def at(node, code, msg, help="", severity="error") -> Diagnostic:
        nonlocal positions
        if positions is None:
            positions = _Positions(module)
        r = positions.get(node)
        if r is None:
            return Diagnostic(code, msg, path, 1, 1, help=help, severity=severity)
        return Diagnostic(code, msg, path, r.start.line, r.start.column + 1, r.end.line, r.end.column + 1, help=help, severity=severity)

    # the entry's run is one that `python ENTRY.py` makes: at module level, under the main guard,
    # or in a top-level function called from there (a test function pytest calls is not one).
    # It may make several Trainers (each `Trainer(...)` a site), in branches, loops or a function
    # called several times: each site becomes the script's loop, each call on it the script's function.
    reached = {id(f) for f in _reached_functions(module)}
    on_import = {id(f) for f in _reached_functions(module, outside_guard=True)}
    trainers = [(c, stmt, fn) for c, stmt, fn in v.calls if qualname(c.func, imports) in TRAINER_NAMES and (fn is None or id(fn) in reached)]
    fits = [(c, stmt, fn) for c, stmt, fn in v.calls if isinstance(c.func, cst.Attribute) and c.func.attr.value == "fit"]
    if not trainers:
        return None, []
    order = v.order

    # a Trainer is bound to a name by a plain assignment, the fit called on that name (or chained)
    sites: list[tuple] = []  # (Trainer call, statement, function, name or None)
    site_fits: dict[int, list] = {}
    for call, stmt, fn in trainers:
        assign = stmt.body[0] if stmt is not None and len(stmt.body) == 1 else None
        if not (isinstance(assign, cst.Assign) and assign.value is call and len(assign.targets) == 1 and isinstance(assign.targets[0].target, cst.Name)):
            chained = [(f, s) for f, s, ffn in fits if ffn is fn and f.func.value is call]
            if chained:  # `Trainer(...).fit(...)`: a run with nothing after fit
                sites.append((call, stmt, fn, None))
                site_fits[id(call)] = chained
            continue
        sites.append((call, stmt, fn, assign.targets[0].target.value))

    def site_of(node, fn, name):
        """The Trainer a use of `name` in `fn` reaches: the one last made under that name before it."""
        best = None
        for s in sites:
            if s[3] == name and s[2] is fn and order[id(s[0])] < order[id(node)]:
                best = s
        return best

    named = {(id(s[2]), s[3]) for s in sites if s[3] is not None}
    diags: list[Diagnostic] = []
    for f, s, ffn in fits:
        if isinstance(f.func.value, cst.Name) and (id(ffn), f.func.value.value) in named:
            site = site_of(f, ffn, f.func.value.value)
            if site is None:
                if any(x[3] == f.func.value.value and x[2] is ffn and order[id(x[0])] > order[id(f)] for x in sites):
                    return None, [at(f, "LGEN120", "`fit` is called before the Trainer is made", "make the Trainer first")]
                continue
            site_fits.setdefault(id(site[0]), []).append((f, s))
    sites = [s for s in sites if site_fits.get(id(s[0]))]
    if not sites:
        return None, []
    anc = v.ancestors
    refits: list[cst.Call] = []
    for s in sites:
        own = site_fits[id(s[0])]
        loops = {id(a) for a in anc[id(s[0])] if isinstance(a, (cst.For, cst.While))}
        for f, _ in own:
            if any(isinstance(a, (cst.For, cst.While)) and id(a) not in loops for a in anc[id(f)]):
                return None, [at(f, "LGEN120", f"`{s[3]}.fit(...)` sits in a loop that does not make its Trainer: the loop fits the same Trainer again, which continues from where the last fit stopped; not ejected", "make the Trainer inside the loop too (one `Trainer(...)` per `fit`)")]
        for (f1, _), (f2, _) in zip(own, own[1:]):
            if not _exclusive(anc[id(f1)], anc[id(f2)]):
                # a fit again on the same Trainer: Lightning's fit loop is at its limit, so it
                # sets up (hooks, optimizers, sanity check, data), skips training and ends the fit
                refits.append(f2)

    def scope_of(s):
        """(the statements of the scope holding a site's call in order, whether it sits under the main guard)"""
        fn = s[2]
        guard = next((a for a in anc[id(s[0])] if is_main_guard(a)), None)
        return fn, guard is not None

    # the Trainers' arguments: literals, or expressions for what the script reads per Trainer at run time
    site_facts = []
    callbacks: list[CallbackFacts] = []
    for s in sites:
        targs: dict[str, object] = {}
        arg_nodes: dict[str, cst.Arg] = {}
        runtime: dict[str, cst.BaseExpression] = {}
        own_callbacks: list[CallbackFacts] = []
        for a in s[0].args:
            if a.keyword is None:
                diags.append(at(a, "LGEN121", "a positional Trainer argument; lgen reads Trainer arguments by keyword", "pass it by keyword"))
                continue
            key = a.keyword.value
            if key == "callbacks" and isinstance(a.value, (cst.List, cst.Tuple)) and a.value.elements:
                # each Trainer its own callbacks (its `make_loop(callbacks=[...])`)
                body, _ = _scope_body(module, s[2], s[1])
                before = next((i for i, b in enumerate(body or []) if b is s[1]), 0)
                own_callbacks = _read_callbacks(a.value, body or [], before, imports, at, diags, classes)
                callbacks += own_callbacks
                arg_nodes[key] = a
                continue
            try:
                value = _literal(a.value)
            except ValueError:
                if key == "logger":
                    # a logger object, a list of them, or what the entry computes: the script's
                    # `make_loop` takes it and decides as Lightning's `configure_logger`
                    runtime[key] = a.value
                    arg_nodes[key] = a
                    continue
                if key in SITE_ARGS + SITE_VALUE_ARGS:
                    runtime[key] = a.value  # the script evaluates it where the Trainer did (rewrite hands it to make_loop)
                    continue
                diags.append(at(a.value, "LGEN121", f"`{key}=` is not a literal, so lgen cannot read it without running the file (the script fixes it when ejected; only {', '.join(f'`{k}`' for k in SITE_ARGS + SITE_VALUE_ARGS)} may be computed)", f"write the value in the call, or pass it to `lgen eject` as `--{key.replace('_', '-')}`" if key in FLAG_ARGS else "write the value in the call"))
                continue
            problem = _trainer_arg_problem(key, value)
            if problem:
                diags.append(at(a, "LGEN122", problem[0], problem[1]))
                continue
            targs[key] = value
            arg_nodes[key] = a
        site_facts.append(TrainerSite(s[0], s[3] or "", s[2], targs, arg_nodes, runtime, own_callbacks))
    # several Trainers: what the script fixes when ejected must be the same in each (but for
    # SITE_VALUE_ARGS that differ: each `make_loop(...)` takes its own)
    first = site_facts[0]
    site_values = tuple(k for k in SITE_VALUE_ARGS if any(k in f.runtime for f in site_facts) or len({(type(f.args.get(k)), f.args.get(k)) for f in site_facts}) > 1)
    for other in site_facts[1:]:
        for key in sorted((set(first.args) | set(other.args)) - set(SITE_ARGS) - set(PRINT_ONLY_ARGS) - set(site_values)):
            a, b = first.args.get(key, _ABSENT), other.args.get(key, _ABSENT)
            if a != b or type(a) is not type(b):
                r = _line_of(at, first.call)
                diags.append(at(other.arg_nodes.get(key, other.call), "LGEN120", f"this Trainer's `{key}` differs from the Trainer's at line {r}; the script fixes `{key}` when ejected, the same for every Trainer", f"give every Trainer the same `{key}` (only {', '.join(f'`{k}`' for k in SITE_ARGS + SITE_VALUE_ARGS)} may differ), or eject the runs from separate files"))
    site_limits = any(set(f.runtime) & {"max_epochs", "max_steps"} for f in site_facts) or len({(f.args.get("max_epochs"), f.args.get("max_steps", -1)) for f in site_facts}) > 1

    # the trainers' other uses: the calls lgen ejects, and reads of what the script's loop keeps
    method_calls = {id(c.func): c for c, _, f in v.calls if isinstance(c.func, cst.Attribute)}
    fit_calls = []  # (TrainerCall, site)
    for s in sites:
        for f, _ in site_fits[id(s[0])]:
            args, bad = bind_args(f, METHOD_PARAMS["fit"])
            if bad is not None:
                diags.append(at(bad, "LGEN123", "an argument of `fit` lgen cannot bind", "pass `model` and the data by Lightning's parameter names"))
            fit_calls.append((TrainerCall("fit", f, args, trainer=s[3] or ""), s))
    fit_calls.sort(key=lambda x: order[id(x[0].call)])
    fit_ids = {id(tc.call) for tc, _ in fit_calls}
    after: list[TrainerCall] = []
    reads: list[tuple[cst.Attribute, str]] = []
    saves: list[TrainerCall] = []
    for node, f in v.attrs:
        if not (isinstance(node.value, cst.Name) and (id(f), node.value.value) in named):
            continue
        name = node.value.value
        site = site_of(node, f, name)
        if site is None or id(site[0]) not in site_fits:
            continue
        attr = node.attr.value
        c = method_calls.get(id(node))
        if c is not None and id(c) in fit_ids:
            continue
        prior = [tc for tc, s in fit_calls if s is site and order[id(tc.call)] < order[id(node)]]
        if c is not None and attr in ("validate", "test", "predict", "save_checkpoint"):
            if not prior:
                diags.append(at(c, "LGEN120", f"`{name}.{attr}(...)` before the Trainer's `fit`; lgen ejects these calls after `fit`", "call it after `fit`"))
                continue
            model = prior[-1].args.get("model")
            if attr == "save_checkpoint":
                saves.append(TrainerCall(attr, c, {}, trainer=name, model=model))
                continue
            args, bad = bind_args(c, METHOD_PARAMS[attr])
            if bad is not None:
                diags.append(at(bad, "LGEN123", f"an argument of `{attr}` lgen cannot bind", "pass the arguments by Lightning's parameter names"))
                continue
            after.append(TrainerCall(attr, c, args, trainer=name, model=model, fit=prior[-1]))
        elif c is None and (attr in TRAINER_READS or attr in LOGGER_READS or callbacks and attr in CALLBACK_READS):
            reads.append((node, attr))
        else:
            diags.append(at(node, "LGEN124", f"`{name}.{attr}` has no equivalent in the ejected script yet", "remove it, or read one of: " + ", ".join(f"`{r}`" for r in sorted(TRAINER_READS | LOGGER_READS))))
    # a trainer's name used as a plain value (handed to other code) is not followed
    attr_values = {id(a.value) for a, f in v.attrs}
    assigned = {id(s[1].body[0].targets[0].target) for s in sites if s[3] is not None}
    for n, f in v.names:
        if (id(f), n.value) in named and id(n) not in attr_values and id(n) not in assigned and id(n) not in v.not_names and site_of(n, f, n.value) is not None:
            diags.append(at(n, "LGEN124", f"the Trainer `{n.value}` is handed to other code, which lgen does not follow", "use it only through `.fit`, `.validate`, `.test`, `.predict` and the attributes lgen reads"))
            break
    # LightningModule class methods the plain class does not have, in the code the run runs
    loads = [c for c, _, f in v.calls if (f is None or id(f) in reached) and isinstance(c.func, cst.Attribute) and c.func.attr.value == "load_from_checkpoint" and dotted(c.func.value) in classes]
    # a module-level Trainer reached from a function (a global the function does not bind): lgen
    # rewrites the calls of the code that makes the Trainer only
    globals_ = {s[3] for s in sites if s[2] is None and s[3] is not None}
    if globals_:
        local = {}
        for n, f in v.names:
            if f is not None and n.value in globals_ and id(f) not in local and id(n) not in v.not_names:
                local[id(f)] = _binds_locally(f, globals_)
        for n, f in v.names:
            if f is not None and n.value in globals_ and id(n) not in v.not_names and n.value not in local[id(f)]:
                diags.append(at(n, "LGEN124", f"the Trainer `{n.value}` made at module level is used in a function, which lgen does not follow", "make the Trainer in the function that uses it, or use it where it is made"))
                break
    # an evaluation call without a model takes the model fit trained (Lightning's
    # `trainer.lightning_module`): the script passes it by the name fit was given, or as the
    # loop's `lightning_module` where fit was given an expression
    for tc in after:
        if "model" not in tc.args and not isinstance(tc.model, cst.Name):
            reads.append((tc.call, "lightning_module"))
    for tc in after:
        for key in ("verbose", "return_predictions"):
            if key in tc.args:
                try:
                    _literal(tc.args[key])
                except ValueError:
                    diags.append(at(tc.args[key], "LGEN123", f"`{key}=` is not a literal", "write True or False"))
    for tc in saves:
        if tc.model is not None and not isinstance(tc.model, cst.Name):
            # `save_checkpoint` saves the model fit trained: the loop's `lightning_module`
            reads.append((tc.call, "lightning_module"))

    def built(expr, node, fn):
        """The class of this file `expr` is built from, where `node` uses it in `fn`'s code."""
        body, _ = _scope_body(module, fn, _stmt_of(v, node))
        stmt = _stmt_of(v, node)
        if body is not None and stmt in body:
            return _built_class(expr, body, body.index(stmt), classes)
        return _built_anywhere(expr, _flat_statements(module, fn), classes)

    # what each fit is given: the model (and datamodule) built by a class of this file
    fit_facts = []  # (model class, datamodule class, datamodule expression, fit's data keys, val loader count)
    for tc, s in fit_calls:
        fit_args = tc.args
        model_cls = built(fit_args.get("model"), tc.call, s[2])
        if "model" not in fit_args:
            diags.append(at(tc.call, "LGEN123", "`fit` is called without a model", "pass the model"))
        dm_expr = fit_args.get("datamodule")
        dm_cls = None
        train_arg = fit_args.get("train_dataloaders")
        if train_arg is not None and dm_expr is None:
            # Lightning: a datamodule passed as `train_dataloaders` is taken as the datamodule
            c = built(train_arg, tc.call, s[2])
            if c is not None and _is_datamodule(classes[c], imports):
                dm_expr, dm_cls = train_arg, c
                del fit_args["train_dataloaders"]
                fit_args["datamodule"] = dm_expr
        if dm_expr is not None and dm_cls is None:
            dm_cls = built(dm_expr, tc.call, s[2])
            if dm_cls is None or not _is_datamodule(classes[dm_cls], imports):
                diags.append(at(dm_expr, "LGEN126", "lgen does not see which LightningDataModule class this is (it is not built from a class of this file in the same function)", "build the datamodule in the entry, from a `LightningDataModule` subclass defined in the entry file"))
        if isinstance(fit_args.get("train_dataloaders"), (cst.List, cst.Tuple, cst.Dict)):
            diags.append(at(fit_args["train_dataloaders"], "LGEN126", "several loaders for fit (`train_dataloaders=`) are not ejected yet", "pass one DataLoader"))
        val_loaders = fit_args.get("val_dataloaders")
        if isinstance(val_loaders, cst.Dict):
            diags.append(at(val_loaders, "LGEN126", "a dict of loaders for fit (`val_dataloaders=`) is not ejected yet", "pass a list of DataLoaders"))
        elif isinstance(val_loaders, (cst.List, cst.Tuple)):
            # several validation loaders: Lightning's CombinedLoader in "sequential" mode (plan counts them)
            if any(isinstance(e, cst.StarredElement) for e in val_loaders.elements) or len(val_loaders.elements) < 2:
                diags.append(at(val_loaders, "LGEN126", "lgen ejects a list of loaders written out, two or more", "write the loaders in the list (`[a, b]`), or pass the one DataLoader itself"))
        count = 1
        if "val_dataloaders" in fit_args:
            stmt = _stmt_of(v, tc.call)
            body, _ = _scope_body(module, s[2], stmt)
            count = loader_count(fit_args["val_dataloaders"], body, body.index(stmt)) if body is not None and stmt in body else 0
        fit_facts.append((model_cls, dm_cls, dm_expr, frozenset(fit_args) - {"model", "ckpt_path"}, count))
    # every fit trains the same model class on the same kind of data: the script is one loop for that class
    model_cls, dm_cls, dm_expr, keys, _ = fit_facts[0]
    model_callbacks = _read_model_callbacks(classes.get(model_cls), classes, imports, at, diags) if model_cls else []
    for c in loads:  # the model's class: the script's `load_from_checkpoint` (rewrite)
        if dotted(c.func.value) != model_cls:
            diags.append(at(c, "LGEN124", f"`{dotted(c.func.value)}.load_from_checkpoint(...)` has no equivalent in the ejected script yet (the class loses its LightningModule base)", "build the model and load the checkpoint's `state_dict` into it, or keep the run on Lightning"))
    for (tc, _), (m, d, _, k, _) in list(zip(fit_calls, fit_facts))[1:]:
        line = _line_of(at, fit_calls[0][0].call)
        if m != model_cls:
            what = lambda c: f"`{c}`" if c else "a model lgen does not see the class of"  # noqa: E731
            diags.append(at(tc.args.get("model", tc.call), "LGEN120", f"this fit trains {what(m)}, the fit at line {line} {what(model_cls)}; the script is the loop of one model class", "keep the runs of one model class in this entry (`--class` does not split a file whose code runs both), and move the others to an entry file of their own"))
        elif d != dm_cls or k != keys:
            diags.append(at(tc.call, "LGEN120", f"this fit is given other data arguments than the fit at line {line} (the script's `fit` takes one set)", "give every fit the same kind of data (the same datamodule class, or the same loader arguments)"))
    counts = {f[4] for f in fit_facts}
    fit_val_loaders = counts.pop() if len(counts) == 1 else 0
    primary_tc, primary = fit_calls[0]
    if dm_expr is not None and primary_tc.args.get("datamodule") is not dm_expr:
        primary_tc.args["datamodule"] = dm_expr
    for tc in after:
        # Lightning: a datamodule passed as `dataloaders` is taken as the datamodule
        loaders = tc.args.get("dataloaders")
        if loaders is not None and "datamodule" not in tc.args:
            c = built(loaders, tc.call, next(fn for c2, _, fn in v.calls if c2 is tc.call))
            if c is not None and _is_datamodule(classes[c], imports):
                tc.args = {("datamodule" if k == "dataloaders" else k): v2 for k, v2 in tc.args.items()}
    for tc in after:
        loaders = tc.args.get("dataloaders")
        if isinstance(loaders, cst.Dict):
            diags.append(at(loaders, "LGEN126", "a dict of loaders for one stage is not ejected yet", "pass a list of DataLoaders"))
        elif isinstance(loaders, (cst.List, cst.Tuple)):
            # several loaders: Lightning's CombinedLoader in "sequential" mode (plan counts them)
            if any(isinstance(e, cst.StarredElement) for e in loaders.elements) or len(loaders.elements) < 2:
                diags.append(at(loaders, "LGEN126", "lgen ejects a list of loaders written out, two or more", "write the loaders in the list (`[a, b]`), or pass the one DataLoader itself"))

    # Lightning's loggers built in the entry: CSVLogger becomes the script's class of that name
    logger_calls = []
    for c, _, _ in v.calls:
        kind = LOGGER_NAMES.get(qualname(c.func, imports) or "")
        if kind == "CSVLogger":
            logger_calls.append(c)
        elif kind is not None:
            diags.append(at(c, "LGEN122", f"`{kind}` is not ejected: the script writes Lightning's CSVLogger files only", "use `CSVLogger(...)` from `lightning.pytorch.loggers` (or `logger=False`), or keep the run on Lightning"))

    seeds = [c for c, _, _ in v.calls if qualname(c.func, imports) in SEED_NAMES]
    seed_workers = False
    for c in seeds:
        bound, _ = bind_args(c, ("seed", "workers", "verbose"))
        w = bound.get("workers")
        if w is not None and not (isinstance(w, cst.Name) and w.value in ("False", "None")):
            seed_workers = True
    fn, in_guard = scope_of(primary)
    first_site = site_facts[[s[0] for s in sites].index(primary[0])]
    run = RunFacts(
        trainer_name=primary[3] or "",
        trainer=primary[0],
        trainer_args=first_site.args,
        trainer_arg_nodes=first_site.arg_nodes,
        fit=primary_tc,
        after=after,
        model_class=model_cls,
        datamodule_class=dm_cls,
        scope=fn,
        in_main_guard=in_guard,
        seeds=seeds,
        seed_workers=seed_workers,
        reads=reads,
        save_checkpoints=[tc.call for tc in saves],
        fit_val_loaders=fit_val_loaders,
        sites=site_facts,
        fits=[tc for tc, _ in fit_calls],
        saves=saves,
        scopes=[s[2] for s in sites if s[2] is not None],
        # a Trainer in module-level code, or in a function that module-level code calls (outside
        # the main guard): the run happens as the module runs, so its code ends the script
        at_module_level=any((s[2] is None or id(s[2]) in on_import) and not scope_of(s)[1] for s in sites),
        site_limits=site_limits,
        site_values=site_values,
        refits=refits,
        callbacks=callbacks,
        model_callbacks=model_callbacks,
        logger_calls=logger_calls,
        logger_given=any("logger" in f.runtime for f in site_facts),
    )
    return run, diags


def _read_model_callbacks(cls, classes, imports, at, diags) -> list[CallbackFacts]:
    """The user's `Callback` subclasses the model's own `configure_callbacks()` returns: every
    `return` a call of one, or a list / tuple of such calls (which one returns, the run decides)."""
    fn = next((s for s in cls.body.body if isinstance(s, cst.FunctionDef) and s.name.value == "configure_callbacks"), None) if cls is not None else None
    if fn is None:
        return []
    returns: list[cst.Return] = []

    class _Returns(cst.CSTVisitor):
        def visit_Return(self, node):
            returns.append(node)

        def visit_FunctionDef(self, node):
            return node is fn

        def visit_Lambda(self, node):
            return False

        def visit_ClassDef(self, node):
            return False

    fn.visit(_Returns())
    out: dict[str, CallbackFacts] = {}
    for ret in returns:
        value = ret.value
        calls = [e.value for e in value.elements] if isinstance(value, (cst.List, cst.Tuple)) and not any(isinstance(e, cst.StarredElement) for e in value.elements) else [value]
        for call in calls:
            c = classes.get(call.func.value) if isinstance(call, cst.Call) and isinstance(call.func, cst.Name) else None
            if c is None or not is_user_callback(c, imports):
                diags.append(at(call if call is not None else ret, "LGEN305", "`configure_callbacks` returns something lgen does not eject (it ejects your own `Callback` subclasses of this file, built in the `return`: one, or a list of them)", "return `[MyCallback(...), ...]`, or pass Lightning's callbacks to the Trainer"))
                continue
            out.setdefault(c.name.value, CallbackFacts("Callback", {}, call, None, c))
    if not returns:
        diags.append(at(fn.name, "LGEN305", "`configure_callbacks` returns nothing lgen can follow", "return `[MyCallback(...), ...]`"))
    return list(out.values())


def _read_callbacks(expr, body, before: int, imports, at, diags, classes=None) -> list[CallbackFacts]:
    """The callbacks of `Trainer(callbacks=[...])`: each built in the list, or a name assigned the
    call before the Trainer in the same body; their arguments literal, but for the user's own
    `Callback` subclasses (user code: any arguments)."""
    out: list[CallbackFacts] = []
    for element in expr.elements:
        value = element.value
        name = None
        if isinstance(element, cst.StarredElement):
            diags.append(at(element, "LGEN129", "a starred callback list; lgen reads the callbacks written out", "write each callback in the list"))
            continue
        if isinstance(value, cst.Name):
            name = value.value
            value = None
            for stmt in body[:before]:
                if isinstance(stmt, cst.SimpleStatementLine):
                    for s in stmt.body:
                        if isinstance(s, cst.Assign) and len(s.targets) == 1 and isinstance(s.targets[0].target, cst.Name) and s.targets[0].target.value == name:
                            value = s.value
                elif _binds(stmt, name):
                    value = None
        kind = CALLBACK_NAMES.get(qualname(value.func, imports)) if isinstance(value, cst.Call) else None
        if kind is None and isinstance(value, cst.Call) and isinstance(value.func, cst.Name):
            cls = (classes or {}).get(value.func.value)
            if cls is not None and is_user_callback(cls, imports):
                out.append(CallbackFacts("Callback", {}, value, name, cls))
                continue
        if kind is None:
            diags.append(at(element.value, "LGEN129", "a callback lgen does not eject (it ejects `ModelCheckpoint`, `EarlyStopping` and `LearningRateMonitor` built in the entry, in the list or assigned to a name before the Trainer)", "remove it, or keep the run on Lightning"))
            continue
        bound, bad = bind_args(value, CALLBACK_PARAMS[kind])
        if bad is not None:
            diags.append(at(bad, "LGEN129", f"an argument of `{kind}` lgen cannot bind", "pass the arguments by Lightning's parameter names"))
            continue
        args = {}
        for key, node in bound.items():
            try:
                args[key] = _literal(node)
            except ValueError:
                diags.append(at(node, "LGEN129", f"`{kind}({key}=...)` is not a literal, so lgen cannot read it without running the file", "write the value in the call"))
        out.append(CallbackFacts(kind, args, value, name))
    return out


def _binds_locally(fn: cst.FunctionDef, names: set[str]) -> set[str]:
    """Which of `names` a function binds itself (a parameter, an assignment, a loop target, ...)."""
    bound = {p.name.value for p in (*fn.params.posonly_params, *fn.params.params, *fn.params.kwonly_params)}
    for star in (fn.params.star_arg, fn.params.star_kwarg):
        if isinstance(star, cst.Param):
            bound.add(star.name.value)
    return (bound | {n for n in names if _binds(fn.body, n)}) & names


def _line_of(at, node) -> int:
    return at(node, "", "").line


def _exclusive(a: tuple, b: tuple) -> bool:
    """Whether two calls (their blocks, outermost first) sit in different branches of one `if`."""
    ids_a, ids_b = {id(n) for n in a}, {id(n) for n in b}
    for node in a:
        if isinstance(node, cst.If) and id(node) in ids_b:
            in_body_a, in_body_b = id(node.body) in ids_a, id(node.body) in ids_b
            if in_body_a != in_body_b:
                return True
    return False


def _stmt_of(v: _Calls, call) -> cst.CSTNode | None:
    return v.stmt_of.get(id(call))


def _flat_statements(module: cst.Module, fn) -> list:
    """The simple statements of a function (or of the module's code outside functions and
    classes), in source order, blocks included."""
    out = []

    class _Lines(cst.CSTVisitor):
        def visit_SimpleStatementLine(self, node):
            out.append(node)
            return False

        def visit_FunctionDef(self, node):
            return node is fn

        def visit_ClassDef(self, node):
            return False

        def visit_Lambda(self, node):
            return False

    (fn if fn is not None else module).visit(_Lines())
    return out


def _built_anywhere(expr, statements, classes) -> str | None:
    """The class `expr` is built from when every assignment to its name in `statements` builds
    that one class (a name bound in branches or loops: only then is the class known)."""
    if expr is None:
        return None
    if isinstance(expr, cst.Call):
        return _built_class(expr, [], 0, classes)
    if not isinstance(expr, cst.Name):
        return None
    found = set()
    for stmt in statements:
        for s in stmt.body:
            if isinstance(s, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
                targets = [t.target for t in s.targets] if isinstance(s, cst.Assign) else [s.target]
                if any(expr.value in _target_names(t) for t in targets):
                    found.add(_built_class(s.value, [], 0, classes) if isinstance(s, cst.Assign) and len(targets) == 1 and s.value is not None else None)
    return found.pop() if len(found) == 1 else None


def is_loader_call(expr) -> bool:
    """`DataLoader(...)` (any module's class of that name): one loader."""
    if not isinstance(expr, cst.Call):
        return False
    func = expr.func
    name = func.value if isinstance(func, cst.Name) else func.attr.value if isinstance(func, cst.Attribute) else ""
    return name.endswith("DataLoader")


def loader_count(expr, body, before: int) -> int:
    """How many loaders an expression given as a stage's data is, as Lightning's CombinedLoader
    counts them: a list or tuple written out, `DataLoader(...)`, or a name last assigned one of
    those before `before`; 0 where lgen does not see it (the script decides at run time)."""
    if isinstance(expr, (cst.List, cst.Tuple)):
        if any(isinstance(e, cst.StarredElement) for e in expr.elements) or len(expr.elements) < 2:
            return 0
        return len(expr.elements)
    if is_loader_call(expr):
        return 1
    if isinstance(expr, cst.Name):
        found = 0
        for stmt in body[:before]:
            if isinstance(stmt, cst.SimpleStatementLine):
                for s in stmt.body:
                    if isinstance(s, (cst.Assign, cst.AnnAssign)):
                        targets = [t.target for t in s.targets] if isinstance(s, cst.Assign) else [s.target]
                        if any(isinstance(t, cst.Name) and t.value == expr.value for t in targets):
                            found = loader_count(s.value, [], 0) if s.value is not None and len(targets) == 1 else 0
            elif _binds(stmt, expr.value):
                found = 0  # bound in a block (a loop, a branch): only the run tells
        return found
    return 0


# `trainer.<attr>` reads in the entry that the script's loop object answers the same way
TRAINER_READS = frozenset({"callback_metrics", "current_epoch", "global_step", "logged_metrics"} - {"logged_metrics"}) | {
    "global_rank",
    "local_rank",
    "world_size",
    "is_global_zero",
    "lightning_module",  # the model the last fit / validate / test / predict was given
}


# `trainer.<attr>` reads the script's loop answers when the run is given callbacks
CALLBACK_READS = frozenset({"checkpoint_callback", "checkpoint_callbacks", "early_stopping_callback", "should_stop"})


def _trainer_arg_problem(key: str, value) -> tuple[str, str] | None:
    if key in FLAG_ARGS or key in RUN_ARGS:
        if key in ("inference_mode", "benchmark") and value not in (True, False, None):
            return (f"`{key}={value!r}` is not ejected yet", "use True or False")
        if key == "min_epochs" and not (value is None or isinstance(value, int) and not isinstance(value, bool) and value >= 0):
            return (f"`{key}={value!r}` is not ejected yet", "use a non-negative int or None")
        if key == "deterministic" and value not in (True, False, None):
            return (f"`deterministic={value!r}` is not ejected yet", "use True or False")
        return None
    if key in PRINT_ONLY_ARGS:
        return None
    if key == "logger":
        if value in (True, False, None):
            return None  # True: Lightning's default logger, which the script writes as Lightning does
        return (f"`logger={value!r}` is not ejected yet", "pass `logger=True` (Lightning's default CSV logger), `logger=False` or a `CSVLogger(...)`")
    if key == "enable_checkpointing":
        if value in (True, False, None):
            return None  # True / None: Lightning's default ModelCheckpoint, which the script writes too
        return (f"`enable_checkpointing={value!r}` is not ejected yet", "pass True or False")
    if key == "callbacks" and value in ([], None):
        return None
    if key == "num_nodes" and value == 1:
        return None
    if key == "default_root_dir" and (value is None or isinstance(value, str)):
        return None  # where the logger's and checkpoint callback's files go
    if key == "log_every_n_steps" and (value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0)):
        return None
    return (f"the Trainer argument `{key}={value!r}` is not ejected yet", "remove it, or keep the run on Lightning")


def _binds(stmt, name: str) -> bool:
    """Whether a compound statement assigns `name` somewhere inside it."""

    class Finder(cst.CSTVisitor):
        found = False

        def _target(self, target) -> None:
            for n in _target_names(target):
                if n == name:
                    self.found = True

        def visit_AssignTarget(self, node) -> None:
            self._target(node.target)

        def visit_AnnAssign(self, node) -> None:
            self._target(node.target)

        def visit_AugAssign(self, node) -> None:
            self._target(node.target)

        def visit_For(self, node) -> None:
            self._target(node.target)

        def visit_AsName(self, node) -> None:
            self._target(node.name)

        def visit_NamedExpr(self, node) -> None:
            self._target(node.target)

    finder = Finder()
    stmt.visit(finder)
    return finder.found


def _target_names(target):
    if isinstance(target, cst.Name):
        yield target.value
    elif isinstance(target, (cst.Tuple, cst.List)):
        for e in target.elements:
            yield from _target_names(e.value)
    elif isinstance(target, cst.StarredElement):
        yield from _target_names(target.value)


def _statement_of(body, node) -> cst.CSTNode | None:
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            found = []

            class _Find(cst.CSTVisitor):
                def visit_Call(self, c):
                    if c is node:
                        found.append(c)

            stmt.visit(_Find())
            if found:
                return stmt
    return None


def _scope_body(module: cst.Module, fn: cst.FunctionDef | None, stmt) -> tuple[list | None, bool]:
    if fn is not None:
        body = list(fn.body.body) if isinstance(fn.body, cst.IndentedBlock) else None
        return (body if body is not None and stmt in body else None), False
    if stmt in module.body:
        return list(module.body), False
    for s in module.body:
        if is_main_guard(s) and isinstance(s.body, cst.IndentedBlock) and stmt in s.body.body:
            return list(s.body.body), True
    return None, False


def _built_class(expr, body, before: int, classes) -> str | None:
    """The class of this file an expression is built from: `Cls(...)`, or a name assigned `Cls(...)` earlier."""
    if expr is None:
        return None
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and expr.func.value in classes:
        return expr.func.value
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "load_from_checkpoint" and isinstance(expr.func.value, cst.Name) and expr.func.value.value in classes:
        return expr.func.value.value  # Lightning's classmethod returns an instance of its class
    if isinstance(expr, cst.Name):
        found = None
        for stmt in body[:before]:
            if isinstance(stmt, cst.SimpleStatementLine):
                for s in stmt.body:
                    if isinstance(s, (cst.Assign, cst.AnnAssign)):
                        targets = [t.target for t in s.targets] if isinstance(s, cst.Assign) else [s.target]
                        if any(isinstance(t, cst.Name) and t.value == expr.value for t in targets):
                            found = _built_class(s.value, [], 0, classes) if s.value is not None else None
        return found
    return None


CALLBACK_BASES = frozenset(f"{root}.{path}" for root in ("lightning.pytorch", "pytorch_lightning") for path in ("callbacks.Callback", "callbacks.callback.Callback", "Callback"))


def is_user_callback(cls: cst.ClassDef, imports) -> bool:
    """A class of the user's deriving from Lightning's `Callback` itself."""
    return any(qualname(b.value, imports) in CALLBACK_BASES for b in cls.bases)


def _is_datamodule(cls: cst.ClassDef, imports) -> bool:
    return any(qualname(b.value, imports) in DATAMODULE_NAMES for b in cls.bases)


def read_run(path: str, source: str) -> tuple[RunFacts | None, list[Diagnostic]]:
    """The run in the entry's text; (None, []) for a model file or text that does not parse
    (inspect then reports the syntax error where it is)."""
    if "fit" not in source or "Trainer" not in source:
        return None, []  # no run can be spelled without both words: skip the parse
    from lgen.inspect import _python_syntax_error, _too_deep_for_libcst

    # Python's compiler first, then the depth check: libcst's parser overflows its stack on
    # some deep input (inspect then reports either where it is)
    trees: list = []
    if _python_syntax_error(source, path, trees) is not None or not trees or _too_deep_for_libcst(source, trees[0], []) is not None:
        return None, []
    try:
        module = cst.parse_module(source)
    except (cst.ParserSyntaxError, cst.CSTValidationError, RecursionError):
        return None, []
    classes = {s.name.value: s for s in module.body if isinstance(s, cst.ClassDef)}
    run, diags = find_run(path, module, classes)
    if run is not None:
        run.module = module
    return run, diags


def run_flags(path: str, run: RunFacts, flags, given: frozenset[str] | None):
    """The eject's flags for a run: Lightning's defaults, then the Trainer's literal arguments,
    then the flags given to `lgen eject` (all of `flags` that differ from the defaults when
    `given` is None)."""
    from dataclasses import fields, replace

    from lgen.options import FlagError, Flags, flags_from_trainer, validate

    # Trainers that compute or differ in max_epochs / max_steps: each `make_loop(...)` takes its
    # own, and only a flag given to `lgen eject` is a constant (it replaces them all)
    values, problems = flags_from_trainer({k: v for k, v in run.trainer_args.items() if not (run.site_limits and k in ("max_epochs", "max_steps")) and k not in run.site_values})
    diags = []
    positions = _Positions(run.module)

    def at(node, code, msg, help=""):
        r = positions.get(node)
        return Diagnostic(code, msg, path, r.start.line, r.start.column + 1, r.end.line, r.end.column + 1, help=help)

    for site in run.sites if run.site_values else []:
        # each Trainer's own values, checked as Lightning checks them
        own, own_problems = flags_from_trainer({k: v for k, v in site.args.items() if k in run.site_values})
        for key, problem in own_problems.items():
            diags.append(at(site.arg_nodes[key], "LGEN122", problem, "change it"))
        try:
            validate(replace(Flags(), **own))
        except FlagError as e:
            diags.append(at(site.call, "LGEN401", str(e), "fix the Trainer argument"))

    for key, problem in problems.items():
        diags.append(at(run.trainer_arg_nodes[key], "LGEN122", problem, f"change it, or pass `--{key.replace('_', '-')}` to `lgen eject`"))
    try:
        validate(replace(Flags(), **values))
    except FlagError as e:
        diags.append(at(run.trainer, "LGEN401", str(e), "fix the Trainer argument"))
    if diags:
        return flags, diags
    default = Flags()
    if given is None:
        given = frozenset(f.name for f in fields(Flags) if getattr(flags, f.name) != getattr(default, f.name))
    merged = replace(default, **{**values, **{k: getattr(flags, k) for k in given if k in default.__dataclass_fields__}})
    try:
        validate(merged)
    except FlagError as e:
        diags.append(at(run.trainer, "LGEN401", f"{e} (with the flags given to `lgen eject`)", "change the flag or the Trainer argument"))
    return merged, diags


def _reached_functions(module: cst.Module, outside_guard: bool = False) -> list[cst.FunctionDef]:
    """The top-level functions that running the module calls: by name from module-level code or
    the main guard (`outside_guard`: from module-level code outside it only, what runs when the
    module is imported), and from those, transitively (by identity; a list, since nodes compare
    by value)."""
    defs = {s.name.value: s for s in module.body if isinstance(s, cst.FunctionDef)}

    class _Called(cst.CSTVisitor):
        def __init__(self):
            self.names: set[str] = set()

        def visit_Call(self, node):
            if isinstance(node.func, cst.Name):
                self.names.add(node.func.value)

        def visit_FunctionDef(self, node):
            return False  # a nested def runs only when called

        def visit_ClassDef(self, node):
            return False

    roots = _Called()
    for stmt in module.body:
        if not isinstance(stmt, (cst.FunctionDef, cst.ClassDef)) and not (outside_guard and is_main_guard(stmt)):
            stmt.visit(roots)
    reached: list[cst.FunctionDef] = []
    frontier = [n for n in roots.names if n in defs]
    seen: set[str] = set()
    while frontier:
        name = frontier.pop()
        if name in seen:
            continue
        seen.add(name)
        fn = defs[name]
        reached.append(fn)
        inner = _Called()
        fn.body.visit(inner)
        frontier += [n for n in inner.names if n in defs and n not in seen]
    return reached
