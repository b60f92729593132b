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
RUN_ARGS = ("limit_test_batches", "limit_predict_batches", "deterministic", "inference_mode")


@dataclass
class TrainerCall:
    """`trainer.<method>(...)` after the Trainer is made; `args` bound to Lightning's names."""

    method: str
    call: cst.Call
    args: dict[str, cst.BaseExpression]


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

    @property
    def module_level(self) -> bool:
        return self.scope is None and not self.in_main_guard


class _Calls(cst.CSTVisitor):
    """Every call in a tree with the statement and the function that hold it."""

    def __init__(self):
        self.calls: list[tuple[cst.Call, cst.CSTNode | None, cst.FunctionDef | None]] = []
        self.attrs: list[tuple[cst.Attribute, cst.FunctionDef | None]] = []
        self.names: list[tuple[cst.Name, cst.FunctionDef | None]] = []
        self._fn: list[cst.FunctionDef] = []
        self._stmt: list[cst.CSTNode] = []

    def visit_FunctionDef(self, node):
        self._fn.append(node)

    def leave_FunctionDef(self, node):
        self._fn.pop()

    def visit_SimpleStatementLine(self, node):
        self._stmt.append(node)

    def leave_SimpleStatementLine(self, node):
        self._stmt.pop()

    def visit_Call(self, node):
        self.calls.append((node, self._stmt[-1] if self._stmt else None, self._fn[-1] if self._fn else None))

    def visit_Attribute(self, node):
        self.attrs.append((node, self._fn[-1] if self._fn else None))

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
    # or in a top-level function called from there (a test function pytest calls is not one)
    reached = {id(f) for f in _reached_functions(module)}
    trainers = [(c, stmt, fn) for c, stmt, fn in v.calls if qualname(c.func, imports) in TRAINER_NAMES and (fn is None or id(fn) in reached)]
    fits = [(c, stmt, fn) for c, stmt, fn in v.calls if isinstance(c.func, cst.Attribute) and c.func.attr.value == "fit"]
    if not trainers:
        return None, []

    # the Trainer must be bound to a name by a plain assignment, the fit called on that name
    runs = []
    for call, stmt, fn in trainers:
        assign = stmt.body[0] if stmt is not None and len(stmt.body) == 1 else None
        if not (isinstance(assign, cst.Assign) and assign.value is call and len(assign.targets) == 1 and isinstance(assign.targets[0].target, cst.Name)):
            chained = [(f, s) for f, s, ffn in fits if ffn is fn and f.func.value is call]
            if chained:  # `Trainer(...).fit(...)`: a run with nothing after fit
                runs.append((call, stmt, fn, None, chained))
            continue
        name = assign.targets[0].target.value
        own_fits = [(f, s) for f, s, ffn in fits if ffn is fn and isinstance(f.func.value, cst.Name) and f.func.value.value == name]
        if own_fits:
            runs.append((call, stmt, fn, name, own_fits))
    if not runs:
        return None, []
    if len(runs) > 1:
        return None, [at(runs[1][0], "LGEN120", "the file holds several Trainer runs; lgen ejects one run", "keep one `Trainer(...)` and `.fit(...)` in the entry file")]
    call, trainer_stmt, fn, name, own_fits = runs[0]
    if len(own_fits) > 1:
        return None, [at(own_fits[1][0], "LGEN120", f"`{name}.fit(...)` is called more than once; lgen ejects one fit", "call `fit` once")]
    fit_call, fit_stmt = own_fits[0]

    # where the run's statements sit: directly in the body of the function, the main guard or the module
    body, in_guard = _scope_body(module, fn, trainer_stmt)
    if body is None or fit_stmt not in body:
        node = call if body is None else fit_call
        return None, [at(node, "LGEN120", "the Trainer or its `fit` sits inside a loop, a branch or a `with` block; lgen ejects a run written as straight-line code", "make the `Trainer(...)` and its `.fit(...)` plain statements of one function (or of the module)")]
    if body.index(fit_stmt) < body.index(trainer_stmt):
        return None, [at(fit_call, "LGEN120", "`fit` is called before the Trainer is made", "make the Trainer first")]

    diags: list[Diagnostic] = []
    if name is None:
        fit_args, bad = bind_args(fit_call, METHOD_PARAMS["fit"])
    # the Trainer's arguments: literals only
    targs: dict[str, object] = {}
    arg_nodes: dict[str, cst.Arg] = {}
    for a in call.args:
        if a.keyword is None:
            diags.append(at(a, "LGEN121", "a positional Trainer argument; lgen reads Trainer arguments by keyword", "pass it by keyword"))
            continue
        key = a.keyword.value
        try:
            value = _literal(a.value)
        except ValueError:
            if key == "default_root_dir":
                continue  # the script evaluates it where the Trainer did (rewrite hands it to make_loop)
            diags.append(at(a.value, "LGEN121", f"`{key}=` is not a literal, so lgen cannot read it without running the file", f"write the value in the call, or pass it to `lgen eject` as `--{key.replace('_', '-')}`" if key in FLAG_ARGS else "write the value in the call"))
            continue
        problem = _trainer_arg_problem(key, value)
        if problem:
            diags.append(at(a, "LGEN122", problem[0], problem[1]))
            continue
        targs[key] = value
        arg_nodes[key] = a

    # the trainer's other uses: the calls lgen ejects, and reads of what the script's loop keeps
    after: list[TrainerCall] = []
    fit_args, bad = bind_args(fit_call, METHOD_PARAMS["fit"])
    if bad is not None:
        diags.append(at(bad, "LGEN123", "an argument of `fit` lgen cannot bind", "pass `model` and the data by Lightning's parameter names"))
    reads: list[tuple[cst.Attribute, str]] = []
    saves: list[cst.Call] = []
    if name is None:
        name = ""  # no name: nothing else can reach this trainer
    method_calls = {id(c.func): c for c, _, f in v.calls if f is fn and isinstance(c.func, cst.Attribute)}
    fit_index = body.index(fit_stmt)
    for node, f in v.attrs:
        if not name or f is not fn or not (isinstance(node.value, cst.Name) and node.value.value == name):
            continue
        attr = node.attr.value
        c = method_calls.get(id(node))
        if c is fit_call:
            continue
        if c is not None and attr in ("validate", "test", "predict"):
            holder = _statement_of(body, c)
            if holder is None or body.index(holder) < fit_index:
                diags.append(at(c, "LGEN120", f"`{name}.{attr}(...)` before `fit` or inside a block; lgen ejects evaluation calls written after `fit`, as plain statements", "call it after `fit`, at the same level"))
                continue
            args, bad = bind_args(c, METHOD_PARAMS[attr])
            if bad is not None:
                diags.append(at(bad, "LGEN123", f"an argument of `{attr}` lgen cannot bind", "pass the arguments by Lightning's parameter names"))
                continue
            after.append(TrainerCall(attr, c, args))
        elif c is not None and attr == "save_checkpoint":
            saves.append(c)
        elif c is None and attr in TRAINER_READS:
            reads.append((node, attr))
        else:
            diags.append(at(node, "LGEN124", f"`{name}.{attr}` has no equivalent in the ejected script yet", "remove it, or read one of: " + ", ".join(f"`{r}`" for r in sorted(TRAINER_READS))))
    # the trainer's name used as a plain value (handed to other code) is not followed
    attr_values = {id(a.value) for a, f in v.attrs if f is fn}
    assigned_name = trainer_stmt.body[0].targets[0].target if name else None
    for n, f in v.names:
        if name and f is fn and n.value == name and id(n) not in attr_values and n is not assigned_name:
            diags.append(at(n, "LGEN124", f"the Trainer `{name}` is handed to other code, which lgen does not follow", "use it only through `.fit`, `.validate`, `.test`, `.predict` and the attributes lgen reads"))
            break
    # an evaluation call without a model takes the model fit trained (Lightning's
    # `trainer.lightning_module`): the script passes it by the name fit was given
    for tc in after:
        if "model" not in tc.args and not isinstance(fit_args.get("model"), cst.Name):
            diags.append(at(tc.call, "LGEN123", f"`{tc.method}()` without a model after a fit given a model the script cannot name", f"bind the model first: `model = Model(...)`, then `trainer.fit(model, ...)` and `trainer.{tc.method}(model, ...)`"))
    for tc in after:
        for key in ("verbose", "return_predictions"):
            if key in tc.args:
                try:
                    _literal(tc.args[key])
                except ValueError:
                    diags.append(at(tc.args[key], "LGEN123", f"`{key}=` is not a literal", "write True or False"))

    if saves and "model" in fit_args and not isinstance(fit_args["model"], cst.Name):
        # `save_checkpoint` saves the model fit trained: one the script can name
        diags.append(at(fit_args["model"], "LGEN123", "`save_checkpoint` after a fit given a model it cannot name", "bind the model first: `model = Model(...)`, then `trainer.fit(model, ...)`"))
    # what fit is given: the model (and datamodule) built by a class of this file
    model_cls = _built_class(fit_args.get("model"), body, fit_index, classes)
    if "model" not in fit_args:
        diags.append(at(fit_call, "LGEN123", "`fit` is called without a model", "pass the model"))
    dm_expr = fit_args.get("datamodule")
    dm_cls = None
    train_arg = fit_args.get("train_dataloaders")
    if train_arg is not None and dm_expr is None:
        # Lightning: a datamodule passed as `train_dataloaders` is taken as the datamodule
        c = _built_class(train_arg, body, fit_index, classes)
        if c is not None and _is_datamodule(classes[c], imports):
            dm_expr, dm_cls = train_arg, c
            del fit_args["train_dataloaders"]
            fit_args["datamodule"] = dm_expr
    if dm_expr is not None and dm_cls is None:
        dm_cls = _built_class(dm_expr, body, fit_index, classes)
        if dm_cls is None or not _is_datamodule(classes[dm_cls], imports):
            diags.append(at(dm_expr, "LGEN126", "lgen does not see which LightningDataModule class this is (it is not built from a class of this file in the same function)", "build the datamodule in the entry, from a `LightningDataModule` subclass defined in the entry file"))
    for tc in after:
        # Lightning: a datamodule passed as `dataloaders` is taken as the datamodule
        loaders = tc.args.get("dataloaders")
        if loaders is not None and "datamodule" not in tc.args:
            c = _built_class(loaders, body, body.index(_statement_of(body, tc.call)), classes)
            if c is not None and _is_datamodule(classes[c], imports):
                tc.args = {("datamodule" if k == "dataloaders" else k): v for k, v in tc.args.items()}
    if isinstance(fit_args.get("train_dataloaders"), (cst.List, cst.Tuple, cst.Dict)):
        diags.append(at(fit_args["train_dataloaders"], "LGEN126", "several loaders for fit (`train_dataloaders=`) are not ejected yet", "pass one DataLoader"))
    val_loaders = fit_args.get("val_dataloaders")
    if isinstance(val_loaders, cst.Dict):
        diags.append(at(val_loaders, "LGEN126", "a dict of loaders for fit (`val_dataloaders=`) is not ejected yet", "pass a list of DataLoaders"))
    elif isinstance(val_loaders, (cst.List, cst.Tuple)):
        # several validation loaders: Lightning's CombinedLoader in "sequential" mode (plan counts them)
        if any(isinstance(e, cst.StarredElement) for e in val_loaders.elements) or len(val_loaders.elements) < 2:
            diags.append(at(val_loaders, "LGEN126", "lgen ejects a list of loaders written out, two or more", "write the loaders in the list (`[a, b]`), or pass the one DataLoader itself"))
    for tc in after:
        loaders = tc.args.get("dataloaders")
        if isinstance(loaders, cst.Dict):
            diags.append(at(loaders, "LGEN126", "a dict of loaders for one stage is not ejected yet", "pass a list of DataLoaders"))
        elif isinstance(loaders, (cst.List, cst.Tuple)):
            # several loaders: Lightning's CombinedLoader in "sequential" mode (plan counts them)
            if any(isinstance(e, cst.StarredElement) for e in loaders.elements) or len(loaders.elements) < 2:
                diags.append(at(loaders, "LGEN126", "lgen ejects a list of loaders written out, two or more", "write the loaders in the list (`[a, b]`), or pass the one DataLoader itself"))

    seeds = [c for c, _, _ in v.calls if qualname(c.func, imports) in SEED_NAMES]
    seed_workers = False
    for c in seeds:
        bound, _ = bind_args(c, ("seed", "workers", "verbose"))
        w = bound.get("workers")
        if w is not None and not (isinstance(w, cst.Name) and w.value in ("False", "None")):
            seed_workers = True
    run = RunFacts(
        trainer_name=name,
        trainer=call,
        trainer_args=targs,
        trainer_arg_nodes=arg_nodes,
        fit=TrainerCall("fit", fit_call, fit_args),
        after=after,
        model_class=model_cls,
        datamodule_class=dm_cls,
        scope=fn,
        in_main_guard=in_guard,
        seeds=seeds,
        seed_workers=seed_workers,
        reads=reads,
        save_checkpoints=saves,
        fit_val_loaders=loader_count(fit_args.get("val_dataloaders"), body, fit_index) if "val_dataloaders" in fit_args else 1,
    )
    return run, diags


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
}


def _trainer_arg_problem(key: str, value) -> tuple[str, str] | None:
    if key in FLAG_ARGS or key in RUN_ARGS:
        if key == "inference_mode" and value is not True:
            return ("`inference_mode=False` is not ejected yet", "drop it (evaluation then runs under torch.inference_mode, as by default)")
        if key == "deterministic" and value not in (True, False, None):
            return (f"`deterministic={value!r}` is not ejected yet", "use True or False")
        return None
    if key in PRINT_ONLY_ARGS:
        return None
    if key == "logger":
        if value in (True, False, None):
            return None  # True: Lightning's default logger, which the script writes as Lightning does
        return (f"`logger={value!r}` is not ejected yet", "pass `logger=True` (Lightning's default CSV logger) or `logger=False`")
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

    values, problems = flags_from_trainer(run.trainer_args)
    diags = []
    positions = _Positions(run.module)

    def at(node, code, msg, help=""):
        r = positions.get(node)
        return Diagnostic(code, msg, path, r.start.line, r.start.column + 1, r.end.line, r.end.column + 1, help=help)

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


def _reached_functions(module: cst.Module) -> list[cst.FunctionDef]:
    """The top-level functions that running the module calls: by name from module-level code or
    the main guard, and from those, transitively (by identity; a list, since nodes compare by value)."""
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
        if not isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
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
