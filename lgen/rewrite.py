"""Stage 4: the user's module -> the same module with the model as a plain nn.Module.

Edits are minimal and each statement that changed carries one trailing `# lgen: was ...`
comment. Decisions (what a Lightning call becomes) come from the LoopPlan.
"""

from __future__ import annotations

import re

from dataclasses import replace

import libcst as cst

from lgen.diagnostics import Diagnostic
from lgen.inspect import ModelFacts, Use, dotted, find_classes, is_lightning_name, lightning_module_bases, qualname
from lgen.lightning_api import (
    ATTRIBUTE_REWRITES,
    INERT_HOOKS,
    KEPT_ATTRIBUTES,
    LIGHTNING_MODULE_MEMBERS,
    LOOP_HOOKS,
    NOOP_HOOKS,
    REJECTED_MEMBERS,
    TRAINER_ATTRIBUTES,
    UTILITIES,
)
from lgen.manual import follow_optimizers
from lgen.plan import LoopPlan, _callers_of, _literal, log_levels
from lgen.run import DATAMODULE_NAMES, is_main_guard

LOG_KEYWORDS = (
    "name", "value", "prog_bar", "logger", "on_step", "on_epoch", "reduce_fx", "enable_graph", "sync_dist",
    "sync_dist_group", "add_dataloader_idx", "batch_size", "metric_attribute", "rank_zero_only",
)
LOG_DICT_KEYWORDS = ("dictionary",) + tuple(k for k in LOG_KEYWORDS[2:] if k != "metric_attribute")  # as Lightning's log_dict
REDUCE_FX = {"mean": "mean", "sum": "sum", "max": "max", "min": "min", "avg": "mean",
             "torch.mean": "mean", "torch.sum": "sum", "torch.max": "max", "torch.min": "min"}


def _short(code: str) -> str:
    code = " ".join(code.split())
    if "(" in code and code.endswith(")"):
        head = code[: code.index("(")]
        inner = code[code.index("(") + 1 : -1]
        return f"{head}({'...' if inner else ''})"
    return code


class Edits:
    def __init__(self):
        self.replace: dict[int, tuple[cst.BaseExpression, str]] = {}

    def add(self, node, new, was):
        self.replace[id(node)] = (new, was)


def plan_edits(facts: ModelFacts, plan: LoopPlan) -> tuple[Edits, list[Diagnostic]]:
    edits = Edits()
    diags: list[Diagnostic] = []
    code = facts.module.code_for_node
    n_opt = len(plan.optimizer_exprs)
    n_sched = len(plan.schedulers)
    for u in facts.uses:
        m = u.member
        if m in facts.user_attributes and m not in KEPT_ATTRIBUTES and m not in LIGHTNING_MODULE_MEMBERS:
            continue
        if m in facts.methods:
            continue  # the user's own override of a hook, called as self.hook(...)
        if m not in LIGHTNING_MODULE_MEMBERS:
            continue  # nn.Module API or the user's own attribute
        if u.method == "__init__" and m in ("current_epoch", "global_step", "device", "trainer", "log", "log_dict", "optimizers", "lr_schedulers"):
            diags.append(facts.diag("LGEN301", u.node, f"`self.{m}` is used in `__init__`, before Lightning attaches a Trainer", "move it into a hook"))
            continue
        if m == "trainer":
            if u.trainer_attr is None:
                diags.append(facts.diag("LGEN306", u.node, "`self.trainer` is used as a value", "read a specific attribute, e.g. `self.trainer.global_step`"))
            elif u.trainer_attr in TRAINER_ATTRIBUTES or (u.trainer_attr == "datamodule" and plan.run is not None) or (u.trainer_attr in ("logger", "loggers", "log_dir") and plan.run is not None and plan.run.logger_class):
                # (a run's datamodule: what fit was given, or None as in Lightning)
                new = cst.parse_expression(f"self.loop.{u.trainer_attr}")
                edits.add(u.outer, new, code(u.outer))
            else:
                diags.append(facts.diag("LGEN301", u.outer, f"`self.trainer.{u.trainer_attr}` has no equivalent in the ejected loop", "read one of the supported attributes (`lgen explain LGEN301`)"))
            continue
        if m in ("logger", "loggers") and plan.run is not None and plan.run.logger_class and not u.assigned:
            # the run's loggers, which the script's loop keeps as Lightning's Trainer
            edits.add(u.node, cst.parse_expression(f"self.loop.{m}"), code(u.node))
            continue
        if m in ATTRIBUTE_REWRITES:
            if u.assigned:
                diags.append(facts.diag("LGEN301", u.node, f"`self.{m}` is assigned; Lightning owns it", "use an attribute of your own"))
                continue
            edits.add(u.node, cst.parse_expression(ATTRIBUTE_REWRITES[m]), code(u.node))
            continue
        if m in ("log", "log_dict") and u.call is not None:
            new, d = _log_call(facts, u, m, plan)
            if d:
                diags.append(d)
            else:
                edits.add(u.call, new, _short(code(u.call)))
            continue
        if m == "optimizers" and u.call is not None:
            new = "self.loop.optimizers[0]" if n_opt == 1 else "self.loop.optimizers"
            edits.add(u.call, cst.parse_expression(new), code(u.call))
            continue
        if m == "lr_schedulers" and u.call is not None:
            new = "None" if n_sched == 0 else ("self.loop.lr_schedulers[0]" if n_sched == 1 else "self.loop.lr_schedulers")
            edits.add(u.call, cst.parse_expression(new), code(u.call))
            continue
        if m in ("toggle_optimizer", "untoggle_optimizer", "toggled_optimizer") and u.call is not None:
            edits.add(u.call.func, cst.parse_expression(f"self.loop.{m}"), _short(code(u.call)))
            continue
        if m == "manual_backward" and u.call is not None:
            new, d = _manual_backward(facts, u, "manual_backward" in plan.services)
            if d:
                diags.append(d)
            else:
                edits.add(u.call, new, code(u.call))
            continue
        if m == "clip_gradients" and u.call is not None:
            edits.add(u.call.func, cst.parse_expression("self.loop.clip_gradients"), _short(code(u.call)))
            continue
        if m == "print" and u.call is not None:
            # Lightning prints on global rank 0 only
            edits.add(u.call.func, cst.parse_expression("rank_zero_only(print)") if plan.ddp else cst.Name("print"), _short(code(u.call)))
            continue
        if m == "save_hyperparameters" and u.call is not None:
            new, d = _save_hparams(facts, u, plan)
            if d:
                diags.append(d)
            else:
                edits.add(u.call, new, _short(code(u.call)))
            continue
        if m in KEPT_ATTRIBUTES:
            if m == "hparams" and not plan.hparams:
                diags.append(facts.diag("LGEN301", u.node, "`self.hparams` is read but `self.save_hyperparameters()` is never called", "call `self.save_hyperparameters()` in `__init__`"))
            continue
        if m in LOOP_HOOKS or m in INERT_HOOKS or m in NOOP_HOOKS:
            if u.call is not None:
                diags.append(facts.diag("LGEN301", u.call, f"`self.{m}(...)` calls Lightning's default `{m}`, which the ejected model does not have", "call your own method, or define the hook"))
            continue
        reason = REJECTED_MEMBERS.get(m, "it has no plain-PyTorch equivalent in the ejected loop")
        diags.append(facts.diag("LGEN301", u.node, f"`self.{m}` is not supported: {reason}", "see `lgen explain LGEN301`"))
    for node, fn, was in follow_optimizers(facts, n_opt, plan.automatic, plan.hooks).edits:
        edits.add(node, fn, was)
    # `super().<hook>(...)`: the class now derives from nn.Module, which lacks Lightning's hooks
    scan = _scan(facts)
    for attr in scan.super_attrs:
        m = attr.attr.value
        if m not in LIGHTNING_MODULE_MEMBERS:
            continue  # nn.Module's own members still exist
        after = facts.chain[scan.owner[id(attr)][0] + 1 :] if facts.chain else []
        if any(isinstance(s, cst.FunctionDef) and s.name.value == m for c in after for s in c.body.body):
            continue  # a class of the chain after this one defines it: the script keeps that class
        call = scan.calls.get(id(attr))
        default = _lightning_default(call, m) if call is not None else None
        if m in NOOP_HOOKS and call is not None:
            edits.add(call, cst.Name("None"), " ".join(code(call).split()))  # Lightning's default does nothing
        elif default is not None:
            edits.add(call, default, " ".join(code(call).split()))  # Lightning's default, written out
        else:
            diags.append(facts.diag("LGEN301", attr, f"`super().{m}` is LightningModule's own `{m}`, which the ejected model (a `torch.nn.Module`) does not have", "remove the call, or write out what it should do"))
    return edits, diags


# LightningModule 2.6.6's own bodies of hooks the script calls on the model (core/module.py):
# `super().<hook>(...)` reaching them becomes that body, on the call's own arguments
_DEFAULT_HOOKS = {
    "optimizer_step": (("epoch", "batch_idx", "optimizer", "optimizer_closure"), "{optimizer}.step(closure={optimizer_closure})"),
    "optimizer_zero_grad": (("epoch", "batch_idx", "optimizer"), "{optimizer}.zero_grad()"),
    "backward": (("loss",), "{loss}.backward({rest})"),
    "lr_scheduler_step": (("scheduler", "metric"), "{scheduler}.step() if {metric} is None else {scheduler}.step({metric})"),
}


def _lightning_default(call: cst.Call, member: str):
    """`super().hook(...)` as LightningModule's own body of the hook, or None."""
    if member not in _DEFAULT_HOOKS:
        return None
    names, template = _DEFAULT_HOOKS[member]
    args = list(call.args)
    rest = []
    if member == "backward":  # backward(loss, *args, **kwargs): the rest goes to loss.backward
        args, rest = args[:1], args[1:]
        if any(a.keyword is not None and a.keyword.value == "loss" for a in rest):
            return None
    bound = _arg_map(cst.Call(func=call.func, args=args), names)
    if bound is None or any(k not in names for k in bound) or any(a.star for a in args):
        return None
    missing = [n for n in names if n not in bound]
    if missing not in ([], ["optimizer_closure"]) and not (member == "lr_scheduler_step" and missing == ["metric"]):
        return None
    if member == "lr_scheduler_step" and missing == ["metric"]:
        return None  # metric has no default in Lightning's signature: Python raises

    def build(upd: cst.Call):
        ub = _arg_map(cst.Call(func=upd.func, args=list(upd.args)[: len(args)]), names)
        parts = {n: (cst.Module(body=[]).code_for_node(ub[n].value) if n in ub else "None") for n in names}
        parts["rest"] = ", ".join(cst.Module(body=[]).code_for_node(a).rstrip(", ") for a in list(upd.args)[len(args) :])
        text = template.format(**parts)
        node = cst.parse_expression(text)
        return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()]) if member == "lr_scheduler_step" else node

    return build


class _Scan(cst.CSTVisitor):
    """One read-only pass for what the rewrite checks (a libcst pass over a large class costs
    tens of ms, so they share one): `super().X` attributes and the calls around them, names bound
    to Lightning (the leftmost name of a chain), which of those sit in an annotation, and imports
    of Lightning. Run over the class body, and over each other module-level statement."""

    def __init__(self, lnames: set[str]):
        self.lnames = lnames
        self.super_attrs: list[cst.Attribute] = []
        self.calls: dict[int, cst.Call] = {}  # id(func) -> the call
        self.lightning_names: list[cst.Name] = []
        self.annotation_ids: set[int] = set()
        self.lightning_imports: list[cst.CSTNode] = []
        # id(node) -> (the class of the chain, the index of the class-body statement) it is in, for
        # the nodes an edit can target (attributes, calls, Lightning names): the rewrite
        # transforms only those statements
        self.owner: dict[int, tuple[int, int]] = {}
        self.index = (0, 0)
        self._attr_ids: set[int] = set()  # `x.attr`: the attr is no reference
        self._in_annotation = 0
        # id(leftmost name) -> the longest `a.b.c` chain it starts (to resolve Lightning's utilities)
        self.chains: dict[int, cst.Attribute] = {}
        self._inner: set[int] = set()
        # id(func) of calls that are a whole statement inside a function: True
        self.statement_calls: set[int] = set()
        self.loads: list[cst.Attribute] = []  # `X.load_from_checkpoint`
        self.if_tests: set[int] = set()  # `if X:` / `if not X:` (X a name or a chain)
        self._def_depth = 0

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._def_depth += 1

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._def_depth -= 1

    def visit_If(self, node: cst.If) -> None:
        test = node.test
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            test = test.expression
        self.if_tests.add(id(test))

    def visit_Expr(self, node: cst.Expr) -> None:
        if self._def_depth and isinstance(node.value, cst.Call):
            self.statement_calls.add(id(node.value.func))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.owner[id(node)] = self.index
        self._attr_ids.add(id(node.attr))
        if node.attr.value == "load_from_checkpoint":
            self.loads.append(node)
        if id(node) not in self._inner:
            head = node.value
            while isinstance(head, cst.Attribute):
                self._inner.add(id(head))
                head = head.value
            if isinstance(head, cst.Name) and head.value in self.lnames:
                self.chains[id(head)] = node
        v = node.value
        if isinstance(v, cst.Call) and isinstance(v.func, cst.Name) and v.func.value == "super":
            self.super_attrs.append(node)

    def visit_Call(self, node: cst.Call) -> None:
        self.owner[id(node)] = self.index
        self.calls[id(node.func)] = node

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in self.lnames and id(node) not in self._attr_ids:
            self.owner[id(node)] = self.index
            self.lightning_names.append(node)
            if self._in_annotation:
                self.annotation_ids.add(id(node))

    def visit_Annotation(self, node: cst.Annotation) -> None:
        self._in_annotation += 1

    def leave_Annotation(self, original_node: cst.Annotation) -> None:
        self._in_annotation -= 1

    def visit_Import(self, node: cst.Import) -> None:
        if any(is_lightning_name(dotted(a.name)) for a in node.names):
            self.lightning_imports.append(node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.module is not None and not node.relative and is_lightning_name(dotted(node.module)):
            self.lightning_imports.append(node)


def _utility(facts: ModelFacts, scan: _Scan, n: cst.Name):
    """(the script's helper, the node that names it) where the Lightning name `n` starts a
    reference to one of Lightning's utilities (`rank_zero_only`, `pl.seed_everything`,
    `rank_zero_only.rank`: the longest prefix of the chain that is one), else None."""
    chain = scan.chains.get(id(n), n)
    d = dotted(chain)
    if d is None:
        return None
    parts = d.split(".")
    head = facts.imports.get(parts[0], parts[0])
    for k in range(min(len(parts), 8), 0, -1):
        q = ".".join([head, *parts[1:k]])
        if q in UTILITIES:
            node = chain
            for _ in range(len(parts) - k):
                node = node.value
            return UTILITIES[q], node
    return None


# what each helper of templates/utilities.py.jinja defines at the script's top level
_HELPER_DEFINES = {
    "rank_zero_only": ("rank_zero_only",),
    "rank_zero_info": ("rank_zero_only", "rank_zero_info", "RANK_ZERO_LOG"),
    "rank_zero_debug": ("rank_zero_only", "rank_zero_debug", "RANK_ZERO_LOG"),
    "rank_zero_warn": ("rank_zero_only", "rank_zero_warn"),
    "MisconfigurationException": ("MisconfigurationException",),
    "grad_norm": ("grad_norm",),
    "seed_everything": (),  # the script's own, defined for every script
    "_TORCHVISION_AVAILABLE": ("_TORCHVISION_AVAILABLE",),
    "cli_lightning_logo": ("cli_lightning_logo", "LIGHTNING_LOGO"),
    "RequirementCache": ("RequirementCache",),
    "get_torchvision_model": ("get_torchvision_model",),
    "package_available": ("package_available",),
    "module_available": ("module_available", "package_available"),
    "compare_version": ("compare_version",),
}


def _resolve_utilities(facts: ModelFacts, scan: _Scan, names, edits: Edits, diags: list[Diagnostic]):
    """Lightning's utilities among the Lightning names `names`: each reference becomes the
    script's plain equivalent (an edit where the user spells it otherwise). Returns (the helpers
    used, the names that are no utility)."""
    used: set[str] = set()
    left = []
    own = _own_names(facts)
    for n in names:
        hit = _utility(facts, scan, n)
        if hit is None:
            left.append(n)
            continue
        helper, node = hit
        clash = sorted(set(_HELPER_DEFINES[helper]) & own)
        if clash:
            diags.append(facts.diag("LGEN301", node, f"`{facts.module.code_for_node(node)}` from Lightning becomes the script's `{helper}`, but the file defines its own `{clash[0]}`", f"rename your `{clash[0]}`"))
            continue
        if helper == "seed_everything":
            call = scan.calls.get(id(node))
            if call is None or id(node) not in scan.statement_calls or not _one_seed_arg(call):
                diags.append(facts.diag("LGEN301", node, "Lightning's `seed_everything` is used other than as a statement `seed_everything(seed)` inside a function", "call `seed_everything(seed)` as a statement in a hook or function (its `workers=` and return value are not reproduced there)"))
                continue
        if helper == "_TORCHVISION_AVAILABLE" and id(node) not in scan.if_tests:
            diags.append(facts.diag("LGEN301", node, "Lightning's `_TORCHVISION_AVAILABLE` (a RequirementCache) is used other than as an `if` test", "test it as `if _TORCHVISION_AVAILABLE:` / `if not _TORCHVISION_AVAILABLE:`, or use `importlib.util.find_spec(\"torchvision\")`"))
            continue
        if helper == "RequirementCache" and not _plain_requirement(scan.calls.get(id(node))):
            diags.append(facts.diag("LGEN301", node, "lightning_utilities' `RequirementCache` is used other than as `RequirementCache(\"package\")`", "call it with one package name (no version, no extras, no `module=`), or use `importlib.util.find_spec(...)`"))
            continue
        used.add(helper)
        if not (isinstance(node, cst.Name) and node.value == helper):
            edits.add(node, cst.Name(helper), facts.module.code_for_node(node))
    return used, left


def _plain_requirement(call) -> bool:
    """`RequirementCache("package")`: one plain distribution name, the form the script reproduces."""
    if call is None or len(call.args) != 1 or call.args[0].keyword is not None or call.args[0].star:
        return False
    value = call.args[0].value
    return isinstance(value, cst.SimpleString) and re.fullmatch(r"[\"'][A-Za-z0-9][A-Za-z0-9._-]*[\"']", value.value) is not None


def _resolve_loads(facts: ModelFacts, scan: _Scan, edits: Edits, diags: list[Diagnostic]) -> set[str]:
    """`Model.load_from_checkpoint(path, ...)` (the model class of the script): the script's
    `load_from_checkpoint(Model, path, ...)`, Lightning's classmethod as a plain function; on
    another class (Lightning's own method the class no longer has) a located error."""
    used: set[str] = set()
    for attr in scan.loads:
        call = scan.calls.get(id(attr))
        receiver = attr.value
        if isinstance(receiver, cst.Name) and receiver.value == facts.class_name and call is not None and "load_from_checkpoint" not in facts.methods:
            if any(a.keyword is not None and a.keyword.value == "hparams_file" for a in call.args) or len([a for a in call.args if a.keyword is None]) > 2 or any(a.star for a in call.args):
                diags.append(facts.diag("LGEN301", call, "`load_from_checkpoint` with `hparams_file=` or arguments lgen cannot bind", "pass the path, and `map_location=` / `strict=` / `weights_only=` / hyperparameters by keyword"))
                continue
            args = [cst.Arg(cst.Name(receiver.value)), *call.args]
            edits.add(call, call.with_changes(func=cst.Name("load_from_checkpoint"), args=args), f"{receiver.value}.load_from_checkpoint(...)")
            used.add("load_from_checkpoint")
        elif isinstance(receiver, cst.Name) and receiver.value == "self":
            continue  # the model's own use: plan_edits reports it
        elif isinstance(receiver, cst.Name) and receiver.value in _own_names(facts) and receiver.value not in _lightning_classes(facts):
            continue  # another library's `load_from_checkpoint`, or a class of the user's own
        else:
            diags.append(facts.diag("LGEN301", attr, f"`{facts.module.code_for_node(receiver)}.load_from_checkpoint` is Lightning's classmethod; the script has it only for `{facts.class_name}`, called on the class by name", f"call `{facts.class_name}.load_from_checkpoint(path, ...)`"))
    return used


def _lightning_classes(facts: ModelFacts) -> set[str]:
    """The file's LightningModule / LightningDataModule classes, by name."""
    direct, indirect = find_classes(facts.module, facts.imports)
    names = {c.name.value for c in direct} | set(indirect)
    names |= {c.name.value for c in facts.module.body if isinstance(c, cst.ClassDef) and any(qualname(b.value, facts.imports) in DATAMODULE_NAMES for b in c.bases)}
    return names


def _one_seed_arg(call: cst.Call) -> bool:
    if len(call.args) != 1 or call.args[0].star:
        return False
    kw = call.args[0].keyword
    return kw is None or kw.value == "seed"


def _own_names(facts: ModelFacts) -> set[str]:
    """Names the user's file binds at its top level to something that is not Lightning's."""
    if "own_names" not in facts.memo:
        own = {k for k, q in facts.imports.items() if not is_lightning_name(q)}
        for stmt in facts.module.body:
            if isinstance(stmt, (cst.ClassDef, cst.FunctionDef)):
                own.add(stmt.name.value)
            elif isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Assign):
                        own |= {t.target.value for t in small.targets if isinstance(t.target, cst.Name)}
        facts.memo["own_names"] = own
    return facts.memo["own_names"]


def _scan(facts: ModelFacts) -> _Scan:
    if "class_scan" not in facts.memo:
        scan = _Scan(facts.lightning_names)
        for k, c in enumerate(facts.chain or [facts.cls]):
            for i, stmt in enumerate(c.body.body):
                scan.index = (k, i)
                stmt.visit(scan)
        facts.memo["class_scan"] = scan
    return facts.memo["class_scan"]


def _arg_map(call: cst.Call, names):
    """Bind a call's arguments to parameter names (positional then keyword)."""
    out = {}
    for i, a in enumerate(call.args):
        if a.star:
            return None
        if a.keyword is None:
            if i >= len(names):
                return None
            out[names[i]] = a
        else:
            out[a.keyword.value] = a
    return out


def _manual_backward(facts: ModelFacts, u: Use, with_hooks: bool):
    """`self.manual_backward(loss, *args, **kwargs)`: `loss.backward(...)`, or the hooks around it."""
    call = u.call
    if not call.args or call.args[0].star or (call.args[0].keyword is not None and call.args[0].keyword.value != "loss"):
        return None, facts.diag("LGEN303", call, "`self.manual_backward` is called without the loss as its first argument", "call `self.manual_backward(loss)`")
    if with_hooks:  # a module-level function of the script runs the class's backward hooks

        def hooked(upd: cst.Call) -> cst.Call:
            loss = upd.args[0].with_changes(keyword=None, equal=cst.MaybeSentinel.DEFAULT)
            return upd.with_changes(func=cst.Name("manual_backward"), args=[cst.Arg(cst.Name("self")), loss, *upd.args[1:]])

        return hooked, None

    def plain(upd: cst.Call) -> cst.Call:
        loss = upd.args[0].value
        if not isinstance(loss, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)) and not loss.lpar:
            loss = loss.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        rest = list(upd.args[1:])
        if rest:
            rest[-1] = rest[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return cst.Call(cst.Attribute(loss, cst.Name("backward")), rest)

    return plain, None


def _log_call(facts: ModelFacts, u: Use, member: str, plan: LoopPlan):
    call = u.call
    names = LOG_KEYWORDS if member == "log" else LOG_DICT_KEYWORDS
    args = _arg_map(call, names)
    if args is None or any(k not in names for k in args):
        return None, facts.diag("LGEN303", call, f"`self.{member}` is called with arguments lgen cannot bind", f"call it as `self.{member}({'name, value' if member == 'log' else 'dictionary'}, on_step=..., ...)`")
    literal = {}
    for key in ("on_step", "on_epoch", "prog_bar", "logger", "sync_dist", "reduce_fx", "enable_graph", "add_dataloader_idx", "rank_zero_only"):
        if key in args:
            v = args[key].value
            if key == "reduce_fx" and dotted(v) is not None:
                q = qualname(v, facts.imports)
                if q not in REDUCE_FX:
                    return None, facts.diag("LGEN303", v, f"`reduce_fx={dotted(v)}` is not one of Lightning's reductions lgen reproduces", 'use "mean", "sum", "max" or "min"')
                literal[key] = REDUCE_FX[q]
                continue
            try:
                literal[key] = _literal(v)
            except ValueError:
                return None, facts.diag("LGEN303", v, f"`{key}=` of `self.{member}` is not a literal", f"write `{key}=True` or `{key}=False`")
    if "reduce_fx" in literal:
        if literal["reduce_fx"] not in REDUCE_FX:
            return None, facts.diag("LGEN303", args["reduce_fx"].value, f"`reduce_fx={literal['reduce_fx']!r}` is not one of Lightning's reductions", 'use "mean", "sum", "max" or "min"')
        literal["reduce_fx"] = REDUCE_FX[literal["reduce_fx"]]
    levels = log_levels(facts, u.method, plan.run.evaluations if plan.run is not None else ())
    # test/predict-only code: the script never runs it, unless the run tests
    fit = levels.kind != "outside_fit" or (plan.run is not None and "test" in plan.run.evaluations)
    if fit and levels.epoch_hook is None and plan.run is not None and "test" in plan.run.evaluations:
        epoch_hooks = sorted(_callers_of(facts, u.method) & {"on_test_start", "on_test_epoch_start", "on_test_epoch_end"})
        levels = replace(levels, epoch_hook=epoch_hooks[0]) if epoch_hooks else levels
    if levels.kind == "forbidden":
        where = f"`{u.method}`" if u.method == levels.hook else f"`{u.method}`, which `{levels.hook}` calls,"
        return None, facts.diag("LGEN304", call, f"`self.{member}` is called from {where} where Lightning forbids logging", "log from training_step, validation_step or an epoch-end hook")
    for key, bad in (("on_step", True), ("on_epoch", False)):
        if fit and levels.epoch_hook and key in literal and bool(literal[key]) is bad:
            return None, facts.diag("LGEN304", args[key].value, f"`self.{member}(..., {key}={bad})` runs in `{levels.epoch_hook}`, where Lightning raises (it allows only on_step=False, on_epoch=True)", f"drop `{key}={bad}` there (epoch hooks log epoch values)")
    if levels.kind == "unknown" and ("on_step" not in literal or "on_epoch" not in literal):
        return None, facts.diag("LGEN302", call, f"`self.{member}` in `{u.method}` has no hook lgen can tie it to, so its on_step/on_epoch defaults are unknown", "pass on_step= and on_epoch= explicitly")
    if fit and plan.ddp and literal.get("sync_dist") is True and "sync_dist_group" in args and dotted(args["sync_dist_group"].value) != "None":
        return None, facts.diag("LGEN309", args["sync_dist_group"].value, f"`sync_dist_group=` of `self.{member}`: the ejected loop reduces over all ranks only", "drop sync_dist_group (the default group is every rank)")
    if fit and not plan.torchmetrics and "metric_attribute" in args and dotted(args["metric_attribute"].value) != "None":
        return None, facts.diag("LGEN309", args["metric_attribute"].value, "`metric_attribute=` names a torchmetrics Metric; the ejected loop logs tensors and numbers only", "log the metric's computed tensor, e.g. `self.log(name, self.metric(preds, target))`")
    # Lightning's own flags that change nothing in this run (no logger, one dataloader, and under
    # one device sync_dist is off): dropped; `# lgen: was self.log(...)` keeps the original
    dropped = {"on_step", "on_epoch", "logger", "enable_graph", "metric_attribute", "sync_dist_group"}
    if plan.run is not None and plan.run.logger:
        dropped.discard("logger")  # the run's logger reads it
    if plan.torchmetrics:
        dropped.discard("metric_attribute")  # the loop looks a logged Metric up unless it is given
    if not plan.sync_dist:
        dropped |= {"sync_dist", "rank_zero_only"}
    levels_code = []  # each a literal, or the run-time test the default depends on
    for key, default in zip(("on_step", "on_epoch"), levels.defaults):
        levels_code.append(str(bool(literal[key])) if key in literal else default if isinstance(default, str) else str(default))
    n_plain = 2 if member == "log" else 1  # (name, value) / (dictionary): positional in the loop too

    def rebuild(upd: cst.Call) -> cst.Call:
        # applied to the call after the edits inside its arguments (`self.global_step`, ...)
        keep = []
        for i, a in enumerate(upd.args):
            if a.keyword is None and i < n_plain:
                keep.append(a)
                continue
            if a.keyword is None:  # a flag Lightning takes positionally; the loop's are keyword-only
                a = a.with_changes(keyword=cst.Name(names[i]), equal=cst.AssignEqual())
            k = a.keyword.value
            if k in dropped:
                continue
            if k == "reduce_fx":
                keep.append(a.with_changes(value=cst.SimpleString(f'"{literal["reduce_fx"]}"')))
                continue
            keep.append(a)
        keep = [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in keep]
        keep.append(cst.Arg(cst.parse_expression(levels_code[0]), keyword=cst.Name("on_step")))
        keep.append(cst.Arg(cst.parse_expression(levels_code[1]), keyword=cst.Name("on_epoch")))
        return upd.with_changes(func=cst.parse_expression(f"self.loop.{member}"), args=keep)

    return rebuild, None


def _save_hparams(facts: ModelFacts, u: Use, plan: LoopPlan):
    """`self.save_hyperparameters(...)` as Lightning 2.6.6 runs it (utilities/parsing.py
    `save_hyperparameters`, `_get_init_args`): the `__init__`'s named parameters as they are when
    it is called (`*args` dropped, `**kwargs` merged in), less `ignore=`; or the names given, in
    their order; or one config object (a dict or Namespace, copied; see config_hparams)."""
    call = u.call
    if u.method != "__init__":
        return None, facts.diag("LGEN301", call, "`self.save_hyperparameters()` is called outside `__init__`", "call it in `__init__`")
    if sum(1 for v in facts.uses if v.member == "save_hyperparameters" and v.call is not None) > 1:
        return None, facts.diag("LGEN301", call, "`self.save_hyperparameters()` is called more than once; Lightning merges the calls", "save them in one call")
    owner = u.owner or facts.cls
    init = next(s for s in owner.body.body if isinstance(s, cst.FunctionDef) and s.name.value == "__init__")
    chain = facts.chain or [facts.cls]
    k = next((i for i, c in enumerate(chain) if c is owner), 0)
    below = next((c for c in chain[:k] if any(isinstance(s, cst.FunctionDef) and s.name.value == "__init__" for s in c.body.body)), None)
    params = [p.name.value for p in (init.params.posonly_params + init.params.params)][1:]
    params += [p.name.value for p in init.params.kwonly_params]
    kwargs = init.params.star_kwarg.name.value if init.params.star_kwarg is not None else None
    ignore: list[str] = []
    ignore_at = None  # an `ignore=` Lightning reads at run time (`ignore=self.ignore`)
    positional = []
    for a in call.args:
        if a.star:
            return None, facts.diag("LGEN301", a, "`self.save_hyperparameters(*...)`: lgen cannot tell the names statically", "name the hyperparameters as strings")
        if a.keyword is not None and a.keyword.value == "logger":
            continue  # plan.py: whether the run's logger writes hparams.yaml
        if a.keyword is not None and a.keyword.value != "ignore":
            return None, facts.diag("LGEN301", a, f"`save_hyperparameters({a.keyword.value}=...)` is not supported", "call `self.save_hyperparameters()`")
        if a.keyword is None and isinstance(a.value, cst.Name) and a.value.value in params + [kwargs]:
            positional.append(a.value)  # a config object: a parameter of `__init__`
            continue
        try:
            v = _literal(a.value) if not isinstance(a.value, (cst.List, cst.Tuple)) else [_literal(e.value) for e in a.value.elements]
        except ValueError:
            if a.keyword is not None:
                ignore_at = a.value  # the script reads it at run time, as Lightning does
                continue
            return None, facts.diag("LGEN301", a.value, "an argument of `self.save_hyperparameters` is neither a literal nor a parameter of `__init__`", "name the hyperparameters as strings, or pass the config parameter itself")
        if a.keyword is None:
            if not isinstance(v, str):
                return None, facts.diag("LGEN301", a.value, "`self.save_hyperparameters` is given a literal that is not a name; Lightning raises (a list is no config)", "name the hyperparameters as separate strings")
            positional.append(v)
        elif v is not None:  # ignore=: a str, or the str items of a list / tuple
            if not isinstance(v, (str, list)):
                return None, facts.diag("LGEN301", a.value, "`ignore=` of `self.save_hyperparameters` is not a name or a list of names; Lightning raises", "pass a name or a list of names")
            ignore = [v] if isinstance(v, str) else [x for x in v if isinstance(x, str)]
    objects = [p for p in positional if not isinstance(p, str)]
    if len(positional) == 1 and positional[0] == "":
        return cst.parse_expression("AttributeDict()"), None  # an empty first argument: Lightning saves nothing
    if len(objects) == 1:
        if ignore_at is not None:
            return None, facts.diag("LGEN301", ignore_at, "`ignore=` of `self.save_hyperparameters(config)` is not a literal; not ejected", "name the ignored keys as strings")
        if plan is not None and plan.run is not None and plan.run.files:
            return None, facts.diag("LGEN301", call, "`self.save_hyperparameters(config)` in a run that writes Lightning's checkpoints: their `hparams_name` is not reproduced", "save named hyperparameters, or pass `enable_checkpointing=False, logger=False`")
        facts.memo["hparams_config"] = True
        ignored = ", ".join(f'"{k}"' for k in dict.fromkeys(ignore))
        return cst.parse_expression(f"config_hparams({objects[0].value}, ({ignored}{',' if len(ignore) == 1 else ''}))"), None
    if objects:
        return None, facts.diag("LGEN301", call, "`self.save_hyperparameters` is given several config objects; Lightning raises", "pass one config, or name the hyperparameters")
    if below is not None or ignore_at is not None:
        # Lightning collects the arguments of every `__init__` of the model on the calling frames
        # (a subclass's too) and reads `ignore=` at run time: the script does the same
        facts.memo["hparams_frames"] = True
        me = (init.params.posonly_params + init.params.params)[0].name.value
        names = "".join(f", {n!r}" for n in positional)

        def runtime(updated: cst.Call) -> cst.BaseExpression:
            new = cst.parse_expression(f"init_hparams({me}{names})")
            kept = [a for a in updated.args if a.keyword is not None and a.keyword.value == "ignore"]
            return new.with_changes(args=[*new.args, *(a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in kept)])

        return runtime, None
    init_args = [p for p in params if p not in ignore]
    if not _uses_super(init):
        # Lightning reads the arguments off the frame's `__class__` cell, which Python makes only
        # for a function that names `super` (or `__class__`): without it nothing is collected
        init_args, kwargs = [], None
    if not positional:  # every argument
        args = [f"{p}={p}" for p in init_args]
        if kwargs and ignore:
            args.append(f"**{{k: v for k, v in {kwargs}.items() if k not in ({', '.join(repr(k) for k in dict.fromkeys(ignore))},)}}")
        elif kwargs:
            args.append(f"**{kwargs}")
        return cst.parse_expression(f"AttributeDict({', '.join(args)})"), None
    args = []
    for name in dict.fromkeys(positional):  # the names given, in their order
        if name in init_args:
            args.append(f"{name}={name}")
        elif kwargs and name not in ignore and name not in params and name.isidentifier():
            args.append(f"{name}={kwargs}[{name!r}]")  # a KeyError where the call lacks it, as Lightning's
        else:
            return None, facts.diag("LGEN301", call, f"`self.save_hyperparameters(\"{name}\")` names no saved argument of `__init__`; Lightning raises KeyError", "name a parameter of `__init__` that `ignore=` does not drop")
    return cst.parse_expression(f"AttributeDict({', '.join(args)})"), None


def hparams_maybe_empty(saved: cst.BaseExpression) -> bool:
    """Whether what `_save_hparams` makes may be empty at run time (`**kwargs` only, a config,
    or no name at all): Lightning then writes no hyperparameters into its checkpoints."""
    return not (isinstance(saved, cst.Call) and dotted(saved.func) == "AttributeDict" and any(a.keyword is not None for a in saved.args))


def datamodule_facts(facts: ModelFacts, cls: cst.ClassDef) -> ModelFacts:
    """What `_save_hparams` reads of a class, for a datamodule class: its methods and its
    `self.save_hyperparameters(...)` calls (the model's positions, memo and path)."""
    methods = {s.name.value: s for s in cls.body.body if isinstance(s, cst.FunctionDef)}
    uses: list[Use] = []
    for name, fn in methods.items():
        if not fn.params.params:
            continue
        me = fn.params.params[0].name.value

        class _Calls(cst.CSTVisitor):
            def visit_Call(self, node):
                f = node.func
                if isinstance(f, cst.Attribute) and isinstance(f.value, cst.Name) and f.value.value == me and f.attr.value == "save_hyperparameters":
                    uses.append(Use("save_hyperparameters", node, name, node))

        fn.body.visit(_Calls())
    return replace(facts, cls=cls, class_name=cls.name.value, methods=methods, uses=uses)


def _uses_super(fn: cst.FunctionDef) -> bool:
    found = []

    class _Super(cst.CSTVisitor):
        def visit_Name(self, node):
            if node.value in ("super", "__class__"):
                found.append(node)

        def visit_FunctionDef(self, node):
            return node is fn  # a nested function's `super` makes no cell here

        def visit_ClassDef(self, node):
            return False

        def visit_Lambda(self, node):
            return False

    fn.visit(_Super())
    return bool(found)


class _Rewriter(cst.CSTTransformer):
    """The edits, each statement's `# lgen: was` note, and the class now a `torch.nn.Module`
    (annotations naming Lightning types go)."""

    def __init__(self, facts: ModelFacts, plan: LoopPlan, edits: Edits, base_was: str):
        self.facts = facts
        self.edits = edits
        self.base_was = base_was
        self.lnames = facts.lightning_names
        self.stack: list[list[str]] = []
        self.save_hparams_ids = {id(u.call) for u in facts.uses if u.member == "save_hyperparameters" and u.call is not None}
        self.self_name = "self"

    # statements collect the "was" notes of the edits inside them
    def visit_SimpleStatementLine(self, node):
        self.stack.append([])

    def leave_SimpleStatementLine(self, original_node, updated_node):
        notes = self.stack.pop()
        if not notes:
            return updated_node
        return updated_node.with_changes(trailing_whitespace=_with_note(updated_node.trailing_whitespace, notes))

    def visit_IndentedBlock(self, node):
        self.stack.append([])  # edits inside the block belong to its own statements

    def leave_IndentedBlock(self, original_node, updated_node):
        self.stack.pop()
        return updated_node

    def _compound_visit(self, node):
        self.stack.append([])

    def _compound_leave(self, original_node, updated_node):
        notes = self.stack.pop()
        if notes and isinstance(updated_node.body, cst.IndentedBlock):
            body = updated_node.body
            return updated_node.with_changes(body=body.with_changes(header=_with_note(body.header, notes)))
        return updated_node

    visit_If = visit_For = visit_While = visit_With = _compound_visit
    leave_If = leave_For = leave_While = leave_With = _compound_leave

    def on_leave(self, original_node, updated_node):
        key = id(original_node)
        if key in self.edits.replace:
            new, was = self.edits.replace[key]
            if self.stack:
                self.stack[-1].append(was)
            return new(updated_node) if callable(new) else new
        updated = super().on_leave(original_node, updated_node)
        if isinstance(original_node, cst.Expr) and id(original_node.value) in self.save_hparams_ids:
            # `self.save_hyperparameters()` becomes the attribute Lightning would have set
            target = cst.AssignTarget(cst.parse_expression(f"{self.self_name}.hparams"))
            return cst.Assign(targets=[target], value=updated.value)
        return updated

    def leave_Param(self, original_node, updated_node):
        if updated_node.annotation is not None and _mentions(updated_node.annotation, self.lnames):
            return updated_node.with_changes(annotation=None)
        return updated_node

    def leave_FunctionDef(self, original_node, updated_node):
        if updated_node.returns is not None and _mentions(updated_node.returns, self.lnames):
            return updated_node.with_changes(returns=None)
        return updated_node

    def as_module(self, updated_node: cst.ClassDef, base_was: str | None = None) -> cst.ClassDef:
        """The class, now a `torch.nn.Module`, with the base it had in a note on its header."""
        body = updated_node.body
        header = _with_note(body.header, [base_was or self.base_was])
        bases = [
            b.with_changes(value=cst.parse_expression("torch.nn.Module")) if _mentions(b.value, self.lnames) else b
            for b in updated_node.bases
        ]
        return updated_node.with_changes(bases=bases, body=body.with_changes(header=header))


def _with_note(tw: cst.TrailingWhitespace, notes: list[str]) -> cst.TrailingWhitespace:
    notes = list(dict.fromkeys(notes))
    # an edit inside another one (`self.optimizers().step()`) is told by the outer one
    notes = [n for n in notes if not any(n != o and n in o for o in notes)]
    text = "# lgen: was " + "; ".join(notes)
    if tw.comment is not None:
        text = f"{tw.comment.value}  {text}"
    return tw.with_changes(whitespace=cst.SimpleWhitespace("  "), comment=cst.Comment(text))


def rewrite_module(facts: ModelFacts, plan: LoopPlan, run=None) -> tuple[cst.Module | None, list, list[Diagnostic], frozenset[str]]:
    """Returns (module without Lightning, the entry's main guard to end the script with,
    diagnostics, the names of Lightning's utilities the script defines: UTILITIES).

    Without a run, the datamodule `--datamodule` names (`plan.run.main_datamodule`) stays, without
    its Lightning base; the file's other datamodules go."""
    edits, diags = plan_edits(facts, plan)
    lnames = facts.lightning_names
    direct, indirect = find_classes(facts.module, facts.imports)
    chain = facts.chain or [facts.cls]
    other_lm = {id(c) for c in direct + list(indirect.values()) if not any(c is k for k in chain)}
    tail: list = []
    if run is not None:
        # the datamodules the run does not use go, as the other LightningModules do
        other_lm |= {
            id(c)
            for c in facts.module.body
            if isinstance(c, cst.ClassDef) and c.name.value != run.datamodule_class and any(qualname(b.value, facts.imports) in DATAMODULE_NAMES for b in c.bases)
        }
        entry = _EntryRewriter(facts, plan, run)
    else:
        # a model file: its datamodules go, as its other LightningModules do (but `--datamodule`'s)
        keep = plan.run.main_datamodule if plan.run is not None else None
        other_lm |= {
            id(c)
            for c in facts.module.body
            if isinstance(c, cst.ClassDef) and c.name.value != keep and any(qualname(b.value, facts.imports) in DATAMODULE_NAMES for b in c.bases)
        }
    body = []
    module_imports: dict[int, list] = {}
    utilities: set[str] = set()  # Lightning's utilities the code uses: the script defines them
    if facts.memo.get("hparams_config"):
        utilities.add("config_hparams")  # `self.save_hyperparameters(config)`
    if facts.memo.get("hparams_frames"):
        utilities.add("init_hparams")  # `self.save_hyperparameters()` read off the calling frames
    if plan.ddp and any(u.member == "print" and u.call is not None and u.member not in facts.methods for u in facts.uses):
        utilities.add("rank_zero_only")  # `self.print(...)` under DDP
    module_edited: set[int] = set()  # module-level statements with a utility spelled otherwise
    for stmt in facts.module.body:
        if id(stmt) in other_lm:
            continue
        if is_main_guard(stmt):
            if run is not None:
                utilities |= _check_entry(facts, stmt, lnames, entry, diags)
                guard = stmt.visit(entry)
                tail.append(guard if run.module_level else _add_parse_options(guard))
            continue
        in_run = run is not None and run.module_level and not isinstance(stmt, (cst.ClassDef, cst.FunctionDef)) and not (
            isinstance(stmt, cst.SimpleStatementLine) and any(isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body)
        )
        if in_run or (run is not None and (stmt is run.scope or any(stmt is f for f in run.scopes) or (isinstance(stmt, cst.ClassDef) and (stmt.name.value == run.datamodule_class or id(stmt) in entry.user_callbacks)))):
            utilities |= _check_entry(facts, stmt, lnames, entry, diags)
            body.append(stmt.visit(entry))
            continue
        if isinstance(stmt, cst.SimpleStatementLine) and any(isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body):
            kept = [s for s in (_strip_lightning_import(s, facts.imports) for s in stmt.body) if s is not None]
            if not kept:
                continue
            stmt = stmt.with_changes(body=kept)
            body.append(stmt)
            continue
        if any(stmt is c for c in chain):
            body.append(stmt)
            continue
        if run is None and plan.run is not None and isinstance(stmt, cst.ClassDef) and stmt.name.value == plan.run.main_datamodule:
            stmt = _plain_datamodule(facts, stmt)
        v = _Scan(lnames)  # one pass: Lightning names and nested Lightning imports
        stmt.visit(v)
        if run is not None and run.module_level and isinstance(stmt, cst.SimpleStatementLine):
            # a module-level run: this code ends the script, after the script's options are read
            v.statement_calls |= {id(s.value.func) for s in stmt.body if isinstance(s, cst.Expr) and isinstance(s.value, cst.Call)}
        before = len(edits.replace)
        names = v.lightning_names
        if run is not None and run.logger_calls:
            # the entry's other code builds a CSVLogger: the script's class of that name
            names = _plain_loggers(stmt, run.logger_calls, names, edits)
        used, left = _resolve_utilities(facts, v, names, edits, diags)
        utilities |= used | _resolve_loads(facts, v, edits, diags)
        if len(edits.replace) != before:
            module_edited.add(id(stmt))
        for n in left[:1]:
            diags.append(facts.diag("LGEN301", n, f"module-level code uses `{n.value}` from Lightning, which the ejected script does not import", "move it under `if __name__ == \"__main__\":` (lgen drops that block) or remove it"))
        module_imports[id(stmt)] = v.lightning_imports
        body.append(stmt)
    # inside the class: annotations naming Lightning types are dropped; other uses are errors
    scan = _scan(facts)
    used, left = _resolve_utilities(facts, scan, [n for n in scan.lightning_names if id(n) not in scan.annotation_ids], edits, diags)
    utilities |= used | _resolve_loads(facts, scan, edits, diags)
    consumed = follow_optimizers(facts, len(plan.optimizer_exprs), plan.automatic, plan.hooks).consumed
    for n in left:
        if id(n) in consumed or id(scan.chains.get(id(n), n)) in consumed:
            continue  # in `isinstance(opt, LightningOptimizer)`, which the script's code no longer holds
        if True:
            diags.append(facts.diag("LGEN301", n, f"`{n.value}` from Lightning is used inside the model", "use the plain torch equivalent"))
    # Lightning imports that are not top-level import lines (those are stripped) would stay in the script
    nested_imports = []
    for stmt in body:
        nested_imports += scan.lightning_imports if stmt is facts.cls else [] if any(stmt is c for c in chain) else module_imports.get(id(stmt), [])
    for n in nested_imports:
        diags.append(facts.diag("LGEN301", n, "the file imports Lightning inside a function, class or block; the ejected script imports nothing from Lightning", "import Lightning at the top of the file, or remove the import"))
    if any(d.is_error for d in diags):
        return None, [], diags, frozenset()
    if body and _is_docstring(body[0]):
        body = body[1:]  # the model file's docstring describes the Lightning file, not this script
    base_was = facts.module.code_for_node(facts.lightning_base.value)
    rewriter = _Rewriter(facts, plan, edits, base_was)
    # transform only the class-body statements that hold an edit or a Lightning annotation
    targets = set(edits.replace) | rewriter.save_hparams_ids | scan.annotation_ids
    placed = all(t in scan.owner for t in targets)  # else an edit this bookkeeping does not place: transform whole classes
    need = {scan.owner[t] for t in targets if t in scan.owner}
    new_classes = {}
    for k, c in enumerate(chain):
        if placed:
            stmts = [stmt.visit(rewriter) if (k, i) in need else stmt for i, stmt in enumerate(c.body.body)]
            new = c.with_changes(body=c.body.with_changes(body=stmts))
        else:
            new = c.with_changes(body=c.body.visit(rewriter))
        roots = lightning_module_bases(c, facts.imports)
        if roots:  # derives from LightningModule itself: now from torch.nn.Module
            new = rewriter.as_module(new, facts.module.code_for_node(roots[0].value))
        new_classes[id(c)] = new
    body = [new_classes[id(stmt)] if id(stmt) in new_classes else stmt.visit(rewriter) if id(stmt) in module_edited else stmt for stmt in body]
    return facts.module.with_changes(body=body), tail, diags, frozenset(utilities)


def _is_docstring(stmt) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Expr)
        and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _mentions(node, names) -> bool:
    v = _Scan(names)
    node.visit(v)
    return bool(v.lightning_names)


def _strip_lightning_import(small, imports):
    if isinstance(small, cst.Import):
        names = [a for a in small.names if not is_lightning_name(dotted(a.name) if isinstance(a.name, (cst.Name, cst.Attribute)) else None)]
        if not names:
            return None
        names[-1] = names[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return small.with_changes(names=names)
    if isinstance(small, cst.ImportFrom) and small.module is not None and not small.relative:
        if is_lightning_name(dotted(small.module)):
            return None
    return small


class _EntryRewriter(_Rewriter):
    """The entry's run in plain calls: `Trainer(...)` becomes the script's loop state, its
    `fit` / `test` calls the script's functions, `seed_everything` the script's own; a used
    datamodule loses its Lightning base."""

    def __init__(self, facts: ModelFacts, plan: LoopPlan, run):
        edits = Edits()
        code = run.module.code_for_node
        sites = run.sites or []
        makes = {}  # each Trainer's `make_loop(...)`: where its files go, its epoch limits when they differ
        for site in sites:
            given = {a.keyword.value: a.value for a in site.call.args if a.keyword is not None}
            keys = ("max_epochs", "max_steps") if plan.run is not None and plan.run.site_limits else ()
            if plan.run is not None:
                keys += plan.run.site_values
            if plan.run is not None and plan.run.files:
                keys += ("default_root_dir",)
            args = [cst.Arg(given[k], keyword=cst.Name(k), equal=_EQUAL) for k in keys if k in given]
            own = site.callbacks if len(sites) > 1 else run.callbacks
            if own:
                # Trainer(callbacks=[...]): the list goes to the loop, the script's classes of the same names
                given_list = (site.arg_nodes if len(sites) > 1 else run.trainer_arg_nodes)["callbacks"].value
                spelled = {id(cb.call): cb.kind for cb in own if cb.cls is None and not (isinstance(cb.call.func, cst.Name) and cb.call.func.value == cb.kind)}

                class _Plain(cst.CSTTransformer):
                    def leave_Call(self, original, updated):
                        kind = spelled.pop(id(original), None)
                        return updated.with_changes(func=cst.Name(kind)) if kind else updated

                given_list = given_list.visit(_Plain())  # the callbacks built in the list
                args.append(cst.Arg(given_list, keyword=cst.Name("callbacks"), equal=_EQUAL))
                for cb in own:  # those assigned to a name before the Trainer
                    if id(cb.call) in spelled:
                        edits.add(cb.call, cb.call.with_changes(func=cst.Name(cb.kind)), _short(code(cb.call.func)) + "(...)")
            if "logger" in site.runtime:
                # a logger expression: the script's make_loop decides as Lightning's configure_logger
                args.append(cst.Arg(site.runtime["logger"].visit(_PlainLoggers(run.logger_calls)), keyword=cst.Name("logger"), equal=_EQUAL))
            makes[id(site.call)] = cst.parse_expression("make_loop()").with_changes(args=args)
            if site.name:
                edits.add(site.call, makes[id(site.call)], _short(code(site.call)))
        for c in run.logger_calls:  # the entry's CSVLogger(...) calls: the script's class of that name
            if not (isinstance(c.func, cst.Name) and c.func.value == "CSVLogger"):
                edits.add(c, c.with_changes(func=cst.Name("CSVLogger")), _short(code(c.func)) + "(...)")
        chained = {id(tc.call): makes[id(site.call)] for site in sites if not site.name for tc in run.fits if tc.call.func.value is site.call}
        for tc in (run.fits or [run.fit]) + run.after:
            given = dict(tc.args)
            if "model" not in given:
                # Lightning takes the model fit trained, from the fit's best checkpoint unless told otherwise
                given["model"] = tc.model if tc.model is not None else run.fit.args["model"]
                if not isinstance(given["model"], cst.Name):  # fit was given an expression
                    given["model"] = cst.Attribute(cst.Name(tc.trainer), cst.Name("lightning_module"))
                ckpt = given.get("ckpt_path")
                if ckpt is None or (isinstance(ckpt, cst.Name) and ckpt.value == "None"):
                    given["ckpt_path"] = cst.SimpleString('"best"')
            name = chained[id(tc.call)] if id(tc.call) in chained else cst.Name(tc.trainer)
            args = [cst.Arg(given["model"]), cst.Arg(name)]
            args += [cst.Arg(v, keyword=cst.Name(k), equal=_EQUAL) for k, v in given.items() if k != "model"]
            was = f"{tc.trainer}.{tc.method}(...)" if tc.trainer else f"{_short(code(tc.call.func.value))}.fit(...)"
            edits.add(tc.call, cst.Call(cst.Name(tc.method if tc.method == "fit" else plan.run.call_name(tc.method)), args), was)
        for tc in run.saves:
            args = list(tc.call.args)
            args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            model = tc.model if tc.model is None or isinstance(tc.model, cst.Name) else cst.Attribute(cst.Name(tc.trainer), cst.Name("lightning_module"))
            edits.add(tc.call, cst.Call(cst.Name("save_checkpoint"), [*args, cst.Arg(model), cst.Arg(cst.Name(tc.trainer))]), f"{tc.trainer}.save_checkpoint(...)")
        for c in run.seeds:
            if not isinstance(c.func, cst.Name):
                edits.add(c, c.with_changes(func=cst.Name("seed_everything")), _short(code(c)))
        super().__init__(facts, plan, edits, "")
        self.run = run
        self.datamodule = run.datamodule_class
        # the Lightning names the edits take away (and the datamodule's base)
        self.skip_ids: set[int] = set()
        replaced = [run.trainer, run.fit.call, *(s.call for s in run.sites), *(tc.call for tc in run.fits), *(tc.call for tc in run.after), *run.save_checkpoints, *run.seeds]
        replaced += [cb.call.func for cb in run.callbacks] + [c.func for c in run.logger_calls]
        replaced += [b for c in run.module.body if isinstance(c, cst.ClassDef) and c.name.value == run.datamodule_class for b in c.bases]
        self.user_callbacks = {id(cb.cls) for cb in run.callbacks + run.model_callbacks if cb.cls is not None}
        replaced += [b for c in run.module.body if id(c) in self.user_callbacks for b in c.bases]
        ids = self.skip_ids

        class _Names(cst.CSTVisitor):
            def visit_Name(self, node):
                ids.add(id(node))

        for node in replaced:
            node.visit(_Names())

    def leave_ClassDef(self, original_node, updated_node):
        if id(original_node) in self.user_callbacks:
            # the user's callback: the script calls its hooks with Lightning's arguments
            was = [self.facts.module.code_for_node(b.value) for b in original_node.bases]
            return updated_node.with_changes(
                bases=[],
                lpar=cst.MaybeSentinel.DEFAULT,
                rpar=cst.MaybeSentinel.DEFAULT,
                body=updated_node.body.with_changes(header=_with_note(updated_node.body.header, was)),
            )
        if original_node.name.value != self.datamodule:
            return updated_node
        return _plain_datamodule(self.facts, updated_node)


def _plain_loggers(stmt, calls, names, edits: Edits) -> list:
    """The `CSVLogger(...)` calls in a statement of the entry outside the run's code: spelled as
    the script's class (an edit where the user spells it otherwise); returns the Lightning names
    left."""
    ids = {id(c) for c in calls}
    found: list[cst.Call] = []
    inside: set[int] = set()

    class _Find(cst.CSTVisitor):
        def visit_Call(self, node):
            if id(node) in ids:
                found.append(node)

    stmt.visit(_Find())

    class _Names(cst.CSTVisitor):
        def visit_Name(self, node):
            inside.add(id(node))

    for c in found:
        c.func.visit(_Names())
        if not (isinstance(c.func, cst.Name) and c.func.value == "CSVLogger"):
            edits.add(c.func, cst.Name("CSVLogger"), cst.Module([]).code_for_node(c.func))
    return [n for n in names if id(n) not in inside]


class _PlainLoggers(cst.CSTTransformer):
    """The `CSVLogger(...)` calls in an expression, spelled as the script's class."""

    def __init__(self, calls):
        super().__init__()
        self.ids = {id(c) for c in calls}

    def leave_Call(self, original, updated):
        if id(original) in self.ids and not (isinstance(updated.func, cst.Name) and updated.func.value == "CSVLogger"):
            return updated.with_changes(func=cst.Name("CSVLogger"))
        return updated


PARSE_OPTIONS = "parse_options()  # lgen: the script's options (--seed, --max-epochs, ...) go first\n"


def _plain_datamodule(facts: ModelFacts, cls: cst.ClassDef) -> cst.ClassDef:
    """A datamodule class (the run's, or `--datamodule`'s) without its LightningDataModule base,
    marked; its `self.save_hyperparameters(...)` the `self.hparams` Lightning would have set
    (plan.py's `_datamodule_hparams` has checked the call)."""
    dm_facts = datamodule_facts(facts, cls)
    saves = {}
    for u in dm_facts.uses:
        new, d = _save_hparams(dm_facts, u, None)
        if d is None:
            saves[id(u.call)] = (new, _short(facts.module.code_for_node(u.call)))

    class _Saves(cst.CSTTransformer):
        def leave_SimpleStatementLine(self, original_node, updated_node):
            body = list(updated_node.body)
            notes = []
            for i, stmt in enumerate(original_node.body):
                if isinstance(stmt, cst.Expr) and id(stmt.value) in saves:
                    new, was = saves[id(stmt.value)]
                    me = stmt.value.func.value.value
                    body[i] = cst.Assign(targets=[cst.AssignTarget(cst.parse_expression(f"{me}.hparams"))], value=new)
                    notes.append(was)
            if not notes:
                return updated_node
            return updated_node.with_changes(body=body, trailing_whitespace=_with_note(updated_node.trailing_whitespace, notes))

    if saves:
        cls = cls.visit(_Saves())
    was = [facts.module.code_for_node(b.value) for b in cls.bases if qualname(b.value, facts.imports) in DATAMODULE_NAMES]
    bases = [b for b in cls.bases if qualname(b.value, facts.imports) not in DATAMODULE_NAMES]
    if bases:
        bases[-1] = bases[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return cls.with_changes(
        bases=bases,
        lpar=cst.MaybeSentinel.DEFAULT,
        rpar=cst.MaybeSentinel.DEFAULT,
        body=cls.body.with_changes(header=_with_note(cls.body.header, was)),
    )


_EQUAL = cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))


def _add_parse_options(guard: cst.If) -> cst.If:
    """The script reads its own options first, then the entry's code runs with the rest."""
    stmt = cst.parse_statement(PARSE_OPTIONS)
    return guard.with_changes(body=guard.body.with_changes(body=[stmt, *guard.body.body]))


def _check_entry(facts: ModelFacts, stmt, lnames, entry: _EntryRewriter, diags: list[Diagnostic]) -> set[str]:
    """A Lightning name the run's edits leave in the entry's code is a located error, but for
    Lightning's utilities (returned; the entry's rewrite spells them as the script does)."""
    v = _Scan(lnames)
    stmt.visit(v)
    used, left = _resolve_utilities(facts, v, [n for n in v.lightning_names if id(n) not in entry.skip_ids], entry.edits, diags)
    used |= _resolve_loads(facts, v, entry.edits, diags)
    for n in left[:1]:
        diags.append(facts.diag("LGEN301", n, f"the entry uses `{n.value}` from Lightning, which the ejected script does not import", "remove it, or keep the run on Lightning"))
    return used
