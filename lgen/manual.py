"""Follow what `self.optimizers()` hands out, and translate the calls that mean more than PyTorch.

Lightning's `self.optimizers()` returns `LightningOptimizer` wrappers. The ejected loop holds
the raw optimizers, so a call on a wrapper that does more than the raw optimizer's own method
becomes its plain equivalent at the call site:

- `opt.step(...)` inside `training_step`: `self.loop.optimizer_step(opt, ...)`, the raw step and
  then `global_step += 1` (Lightning counts every step of every optimizer there);
- `opt.optimizer`: `opt`, which already is the raw optimizer;
- `opt.toggle_model()`: `self.loop.toggle_model(opt)`.

Everything else on a wrapper (`zero_grad`, `param_groups`, `state_dict`, ...) is forwarded to the
raw optimizer by Lightning and stays as written. lgen follows wrappers through local names,
subscripts, tuple unpacking, `for` loops and the parameters of the class's own methods. Where a
wrapper escapes into code lgen cannot see (returned, stored, passed elsewhere), or a name holds a
wrapper on one path and something else on another, it stops with LGEN307 instead of guessing.

Pure analysis: `follow_optimizers` returns edits (applied by the rewrite stage), the loop
services the edits call, and diagnostics.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from lgen.diagnostics import Diagnostic
from lgen.inspect import ModelFacts, dotted, hooks_reaching, qualname, self_name_of
from lgen.lightning_api import LIGHTNING_ROOTS

ONE, MANY = "optimizer", "optimizers"  # a wrapper, and the list of wrappers

# `self.<method>(wrapper)`: Lightning methods that take an optimizer (rewritten on their own)
OPTIMIZER_SINKS = frozenset({"clip_gradients", "toggle_optimizer", "untoggle_optimizer", "toggled_optimizer"})
HARMLESS_BUILTINS = frozenset({"isinstance", "len", "type", "id", "print", "repr", "str"})


@dataclass
class Flow:
    # (node, function(updated node) -> new node, "was" text)
    edits: list[tuple[cst.CSTNode, object, str]] = field(default_factory=list)
    diags: list[Diagnostic] = field(default_factory=list)
    services: set[str] = field(default_factory=set)  # loop services the edits call
    # Lightning names inside an edited call (`isinstance(opt, LightningOptimizer)`): gone from the script
    consumed: set[int] = field(default_factory=set)


class _Parents(cst.CSTVisitor):
    def __init__(self):
        self.parents: dict[int, cst.CSTNode] = {}
        self.stack: list[cst.CSTNode] = []

    def on_visit(self, node):
        if self.stack:
            self.parents[id(node)] = self.stack[-1]
        self.stack.append(node)
        return True

    def on_leave(self, original_node):
        self.stack.pop()


def _targets(t, out: set[int]) -> None:
    """Ids of the Name nodes a target binds."""
    if isinstance(t, cst.Name):
        out.add(id(t))
    elif isinstance(t, (cst.Tuple, cst.List)):
        for el in t.elements:
            _targets(el.value, out)
    elif isinstance(t, cst.StarredElement):
        _targets(t.value, out)


class _Method(cst.CSTVisitor):
    """One pass over one method, in source order, with the names that hold wrappers."""

    def __init__(self, an: "_Analysis", method: str, fn: cst.FunctionDef, seeds: dict[str, str]):
        self.an = an
        self.facts = an.facts
        self.method = method
        self.fn = fn
        self.self_name = self_name_of(fn) or "self"
        p = _Parents()
        fn.visit(p)
        self.parents = p.parents
        self.env: dict[str, str | None] = dict(seeds)
        self.binds: dict[str, list[tuple[int, str | None]]] = {k: [(id(fn.body), v)] for k, v in seeds.items()}
        self.blocks: list[int] = [id(fn.body)]
        self.target_ids: set[int] = set()
        self.done: set[int] = set()  # nodes already classified

    # ------------------------------------------------------------------ scopes and bindings
    def visit_IndentedBlock(self, node):
        self.blocks.append(id(node))

    def leave_IndentedBlock(self, node):
        self.blocks.pop()

    def visit_SimpleStatementSuite(self, node):
        self.blocks.append(id(node))

    def leave_SimpleStatementSuite(self, node):
        self.blocks.pop()

    def visit_AssignTarget(self, node):
        _targets(node.target, self.target_ids)

    def visit_AnnAssign(self, node):
        _targets(node.target, self.target_ids)

    def visit_AugAssign(self, node):
        _targets(node.target, self.target_ids)

    def leave_AugAssign(self, node):
        self._bind(node.target, None, None)

    def visit_Param(self, node):
        self.target_ids.add(id(node.name))

    def leave_Assign(self, node):
        kind = self.kind(node.value)
        for t in node.targets:
            self._bind(t.target, kind, node.value)

    def leave_AnnAssign(self, node):
        if node.value is not None:
            self._bind(node.target, self.kind(node.value), node.value)

    def visit_NamedExpr(self, node):
        _targets(node.target, self.target_ids)

    def leave_NamedExpr(self, node):
        self._bind(node.target, self.kind(node.value), node.value)

    def visit_WithItem(self, node):
        if node.asname is not None:
            _targets(node.asname.name, self.target_ids)
            self._bind(node.asname.name, None, None)

    def visit_For(self, node):
        _targets(node.target, self.target_ids)
        self._bind_loop(node.target, node.iter)

    def visit_CompFor(self, node):
        _targets(node.target, self.target_ids)
        self._bind_loop(node.target, node.iter)

    def _bind_loop(self, target, it):
        if self.kind(it) == MANY:
            self._bind(target, ONE, None)
            return
        if isinstance(it, cst.Call) and dotted(it.func) == "enumerate" and it.args and self.kind(it.args[0].value) == MANY:
            if isinstance(target, (cst.Tuple, cst.List)) and len(target.elements) == 2:
                self._bind(target.elements[0].value, None, None)
                self._bind(target.elements[1].value, ONE, None)
                return
        self._bind(target, None, None)

    def _bind(self, t, kind, value) -> None:
        if isinstance(t, cst.Name):
            name = t.value
            block = self.blocks[-1]
            for b, k in self.binds.get(name, []):
                if k != kind and b != block:
                    self.an.diag(t, f"`{name}` holds what `self.optimizers()` returned on one path and something else on another; lgen cannot tell which `{name}.step()` Lightning would count", "use a separate name for the other value")
                    break
            self.binds.setdefault(name, []).append((block, kind))
            self.env[name] = kind
        elif isinstance(t, (cst.Tuple, cst.List)):
            elements = t.elements
            if kind == MANY:
                if any(isinstance(el, cst.StarredElement) for el in elements):
                    self.an.diag(t, "a starred target unpacks `self.optimizers()`; lgen follows each optimizer by name", "unpack into one name per optimizer")
                    return
                if len(elements) != self.an.n_opt:
                    self.an.diag(t, f"{len(elements)} names unpack `self.optimizers()`, but `configure_optimizers` returns {self.an.n_opt} optimizers; Lightning raises", f"unpack {self.an.n_opt} names")
                    return
                for el in elements:
                    self._bind(el.value, ONE, None)
            elif isinstance(value, (cst.Tuple, cst.List)) and len(value.elements) == len(elements) and not any(
                isinstance(e, cst.StarredElement) for e in list(elements) + list(value.elements)
            ):
                for el, v in zip(elements, value.elements):
                    self._bind(el.value, self.kind(v.value), v.value)
            else:
                for el in elements:
                    self._bind(el.value, None, None)
        elif isinstance(t, cst.StarredElement):
            self._bind(t.value, None, None)
        elif kind is not None:
            self.an.diag(t, f"what `self.optimizers()` returned is stored in `{self.code(t)}`; lgen follows optimizers only through local names and method parameters", "call `self.optimizers()` where you need the optimizer")

    # ------------------------------------------------------------------ what an expression holds
    def kind(self, expr) -> str | None:
        if isinstance(expr, cst.Name):
            return self.env.get(expr.value)
        if isinstance(expr, cst.Call) and self._is_optimizers_call(expr):
            return self._optimizers_kind(expr)
        if isinstance(expr, cst.Subscript) and self.kind(expr.value) == MANY:
            sl = expr.slice
            if len(sl) == 1 and isinstance(sl[0].slice, cst.Index):
                return ONE
            return MANY
        return None

    def _is_optimizers_call(self, call: cst.Call) -> bool:
        f = call.func
        return isinstance(f, cst.Attribute) and isinstance(f.value, cst.Name) and f.value.value == self.self_name and f.attr.value == "optimizers" and "optimizers" not in self.facts.methods

    def _optimizers_kind(self, call: cst.Call) -> str | None:
        wrap = True
        for i, a in enumerate(call.args):
            if (a.keyword is None and i == 0) or (a.keyword is not None and a.keyword.value == "use_pl_optimizer"):
                v = a.value
                if isinstance(v, cst.Name) and v.value in ("True", "False"):
                    wrap = v.value == "True"
                else:
                    self.an.diag(v, "`use_pl_optimizer` is not a literal `True` or `False`", "write `self.optimizers()` or `self.optimizers(use_pl_optimizer=False)`")
                    return None
            else:
                self.an.diag(a, "`self.optimizers` is called with an argument Lightning does not take", "call `self.optimizers()`")
                return None
        if not wrap:
            return None  # the raw optimizers: plain PyTorch already
        return ONE if self.an.n_opt == 1 else MANY

    # ------------------------------------------------------------------ uses
    def visit_Name(self, node):
        if id(node) in self.target_ids:
            return
        parent = self.parents.get(id(node))
        if isinstance(parent, cst.Attribute) and parent.attr is node:
            return
        if isinstance(parent, (cst.Arg, cst.Param)) and getattr(parent, "keyword", None) is node:
            return
        kind = self.env.get(node.value)
        if kind is not None:
            self.classify(node, kind)

    def visit_Call(self, node):
        if self._is_optimizers_call(node):
            kind = self._optimizers_kind(node)
            if kind is not None:
                self.classify(node, kind)
        f = node.func
        if isinstance(f, cst.Attribute) and isinstance(f.value, cst.Name) and f.value.value == self.self_name and f.attr.value in self.facts.methods:
            self.an.record_call(self, node, f.attr.value)

    def _lightning_optimizer_names(self, expr) -> list[cst.CSTNode]:
        """The names in `isinstance`'s second argument (a name, or a tuple of them) that are
        Lightning's `LightningOptimizer`."""
        elements = [e.value for e in expr.elements] if isinstance(expr, cst.Tuple) else [expr]
        found = []
        for e in elements:
            q = qualname(e, self.facts.imports)
            if q is not None and q.split(".")[0] in LIGHTNING_ROOTS and q.rsplit(".", 1)[-1] == "LightningOptimizer":
                found.append(e)
        return found

    def classify(self, node, kind) -> None:
        if id(node) in self.done:
            return
        self.done.add(id(node))
        parent = self.parents.get(id(node))
        gp = self.parents.get(id(parent)) if parent is not None else None
        if isinstance(parent, cst.Attribute) and parent.value is node:
            attr = parent.attr.value
            called = isinstance(gp, cst.Call) and gp.func is parent
            if kind == ONE and attr == "step" and called:
                self.an.step(self, gp)
            elif kind == ONE and attr == "optimizer":
                self.an.edit(parent, lambda upd: upd.value, self.code(parent))
            elif kind == ONE and attr == "step":
                self.an.diag(parent, "`step` of what `self.optimizers()` returned is used without being called; lgen translates `opt.step(...)` calls", "call `opt.step()` directly")
            elif kind == ONE and attr == "toggle_model" and called:
                self.an.services.add("toggle_model")
                self.an.edit(gp, lambda upd: cst.Call(cst.parse_expression(f"{self.self_name}.loop.toggle_model"), [cst.Arg(upd.func.value)]), self.was(gp))
            return  # any other attribute is the raw optimizer's (Lightning forwards it)
        if isinstance(parent, cst.Subscript) and parent.value is node:
            if kind == MANY:
                self.classify(parent, self.kind(parent))
            return
        if isinstance(parent, cst.Arg):
            call = gp
            fname = dotted(call.func) if isinstance(call, cst.Call) else None
            if fname == "isinstance" and kind == ONE and len(call.args) == 2 and call.args[0] is parent:
                named = self._lightning_optimizer_names(call.args[1].value)
                if named:
                    # Lightning's wrapper is a LightningOptimizer (a subclass of it and of the
                    # optimizer's class): the test is True there, whatever else the tuple holds
                    self.an.flow.consumed.update(id(n) for n in named)
                    self.an.edit(call, lambda upd: cst.Name("True"), self.was(call))
                    return
            if fname in HARMLESS_BUILTINS:
                return
            if fname == "enumerate" and isinstance(self.parents.get(id(call)), (cst.For, cst.CompFor)):
                return
            f = call.func if isinstance(call, cst.Call) else None
            if isinstance(f, cst.Attribute) and isinstance(f.value, cst.Name) and f.value.value == self.self_name:
                if f.attr.value in OPTIMIZER_SINKS and f.attr.value not in self.facts.methods:
                    return
                if f.attr.value in self.facts.methods:
                    return  # bound to the helper's parameter by record_call
            self.an.diag(node, f"what `self.optimizers()` returned is passed to `{fname or self.code(call.func) if isinstance(call, cst.Call) else 'a call'}`, which lgen cannot follow", "step the optimizer in the class's own methods")
            return
        if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is node:
            return
        if isinstance(parent, (cst.Assign, cst.AnnAssign, cst.NamedExpr)) and parent.value is node:
            return  # bound by leave_Assign
        if isinstance(parent, cst.Element) and isinstance(gp, (cst.Tuple, cst.List)):
            ggp = self.parents.get(id(gp))
            if isinstance(ggp, cst.Assign) and ggp.value is gp and all(isinstance(t.target, (cst.Tuple, cst.List)) and len(t.target.elements) == len(gp.elements) for t in ggp.targets):
                return
        if isinstance(parent, (cst.Expr, cst.Comparison, cst.ComparisonTarget)):
            return
        self.an.diag(node, "what `self.optimizers()` returned escapes here, where lgen cannot follow it", "use the optimizer within the method (or pass it to a method of the class)")

    def code(self, node) -> str:
        return " ".join(self.facts.module.code_for_node(node).split())

    def was(self, call: cst.Call) -> str:
        """`opt.step(...)`: the call as written, its arguments elided."""
        return f"{self.code(call.func)}({'...' if call.args else ''})"


class _Analysis:
    def __init__(self, facts: ModelFacts, n_opt: int, automatic: bool, hooks: frozenset[str]):
        self.facts = facts
        self.n_opt = n_opt
        self.automatic = automatic
        self.hooks = hooks
        self.flow = Flow()
        self.services = self.flow.services
        self._diag_keys: set[tuple] = set()
        # helper method -> parameter -> kinds passed at its call sites
        self.passed: dict[str, dict[str, set]] = {}

    def diag(self, node, message, help="") -> None:
        key = (self.facts.pos(node), message)
        if key not in self._diag_keys:
            self._diag_keys.add(key)
            self.flow.diags.append(self.facts.diag("LGEN307", node, message, help))

    def edit(self, node, fn, was) -> None:
        self.flow.edits.append((node, fn, was))

    def record_call(self, m: _Method, call: cst.Call, callee: str) -> None:
        fn = self.facts.methods[callee]
        params = [p.name.value for p in fn.params.posonly_params + fn.params.params][1:]
        kw_ok = set(params) | {p.name.value for p in fn.params.kwonly_params}
        for i, a in enumerate(call.args):
            kind = m.kind(a.value)
            if a.star:
                if kind is not None:
                    self.diag(a, f"what `self.optimizers()` returned is passed to `self.{callee}` with `*`; lgen follows optimizers by parameter name", "pass it as a named argument")
                continue
            if a.keyword is None:
                name = params[i] if i < len(params) else None
            else:
                name = a.keyword.value if a.keyword.value in kw_ok else None
            if name is None:
                if kind is not None:
                    self.diag(a, f"what `self.optimizers()` returned is passed to `self.{callee}`, which has no matching parameter", "")
                continue
            self.passed.setdefault(callee, {}).setdefault(name, set()).add(kind)

    def step(self, m: _Method, call: cst.Call) -> None:
        hooks = hooks_reaching(self.facts, m.method)
        was = m.was(call)
        if self.automatic:
            self.diag(call, "`opt.step()` on what `self.optimizers()` returned, under automatic optimization; the Trainer steps the optimizer itself", "set `self.automatic_optimization = False`, or let Lightning step")
            return
        if hooks == {"training_step"}:
            self.services.add("optimizer_step")
            self.edit(call, lambda upd: upd.with_changes(func=cst.parse_expression(f"{m.self_name}.loop.optimizer_step"), args=[cst.Arg(upd.func.value), *upd.args]), was)
        elif hooks and "training_step" not in hooks:
            # Lightning counts a step only while training_step runs; elsewhere it is the raw step
            if "on_before_optimizer_step" in self.hooks:
                self.diag(call, f"`{was}` runs outside `training_step` (from {', '.join(sorted(hooks))}) and the class defines `on_before_optimizer_step`; lgen does not eject that combination", "step the optimizer in `training_step`")
        else:
            where = "both inside and outside `training_step`" if hooks else "from no hook lgen can see"
            self.diag(call, f"`{was}` runs {where}; Lightning counts it in `global_step` only inside `training_step`, so lgen cannot tell", "step the optimizer in `training_step` or in a helper only it calls")


def follow_optimizers(facts: ModelFacts, n_opt: int, automatic: bool, hooks: frozenset[str]) -> Flow:
    """Edits for every Lightning-optimizer call in the class, the loop services they use, diagnostics.

    Plan (services, diagnostics) and rewrite (edits) both ask; the analysis runs once.
    """
    key = ("follow_optimizers", n_opt, automatic, hooks)
    if key not in facts.memo:
        facts.memo[key] = _follow(facts, n_opt, automatic, hooks)
    return facts.memo[key]


def _follow(facts: ModelFacts, n_opt: int, automatic: bool, hooks: frozenset[str]) -> Flow:
    users = {u.method for u in facts.uses if u.member == "optimizers"}
    if not users:
        return Flow()  # no `self.optimizers` anywhere: no name can hold a wrapper
    # Most classes use the wrappers where they get them: then only those methods need a look.
    an = _Analysis(facts, n_opt, automatic, hooks)
    for name, fn in facts.methods.items():
        if name in users and self_name_of(fn) is not None:
            fn.visit(_Method(an, name, fn, {}))
    if not any(kinds - {None} for params in an.passed.values() for kinds in params.values()):
        return an.flow
    # a wrapper is passed to a helper method: follow it through every method to a fixed point
    seeds: dict[str, dict[str, str]] = {}
    for _ in range(len(facts.methods) + 1):  # to a fixed point: wrappers passed into helpers
        an = _Analysis(facts, n_opt, automatic, hooks)
        for name, fn in facts.methods.items():
            if self_name_of(fn) is None:
                continue
            fn.visit(_Method(an, name, fn, seeds.get(name, {})))
        new = {}
        for callee, params in an.passed.items():
            for p, kinds in params.items():
                wrapped = kinds - {None}
                if len(wrapped) == 1:
                    new.setdefault(callee, {})[p] = next(iter(wrapped))
        if new == seeds:
            break
        seeds = new
    for callee, params in an.passed.items():
        for p, kinds in params.items():
            if len(kinds) > 1 and kinds - {None}:
                fn = facts.methods[callee]
                an.diag(fn.name, f"`{callee}` gets what `self.optimizers()` returned in `{p}` at one call and something else at another; lgen cannot tell which `{p}.step()` Lightning would count", "pass the optimizer at every call, or use two methods")
    return an.flow
