"""Stage 2: read the model file statically with libcst and collect ModelFacts.

Nothing here imports or executes the user's file: everything is read off the syntax tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from lgen.diagnostics import Diagnostic
from lgen.lightning_api import LIGHTNING_MODULE_MEMBERS, LIGHTNING_MODULE_NAMES, LIGHTNING_ROOTS, LOOP_HOOKS


@dataclass
class Use:
    """One use of Lightning's API on `self` inside the class."""

    member: str  # e.g. "log", "current_epoch", "trainer"
    node: cst.CSTNode  # the Attribute `self.member` (or the Call around it, for calls)
    method: str  # enclosing method name
    call: cst.Call | None = None  # the call, when the member is called
    trainer_attr: str | None = None  # for `self.trainer.<attr>`
    outer: cst.CSTNode | None = None  # `self.trainer.<attr>` node
    assigned: bool = False  # `self.member = ...`
    owner: cst.ClassDef | None = None  # the class (of the model's chain) whose method holds it


@dataclass
class ModelFacts:
    path: str
    source: str
    module: cst.Module
    positions: _Positions
    imports: dict[str, str]  # local name -> qualified name
    cls: cst.ClassDef
    class_name: str
    lightning_base: cst.Arg
    methods: dict[str, cst.FunctionDef]
    automatic_optimization: bool
    uses: list[Use]
    user_attributes: set[str]
    # `self.helper(...)` calls: method -> the methods of the class it calls
    calls: dict[str, set[str]] = field(default_factory=dict)
    lightning_names: set[str] = field(default_factory=set)
    # analyses that plan and rewrite both need, computed once per eject (see manual.follow_optimizers)
    memo: dict = field(default_factory=dict)
    # the user's classes of the model's MRO, in Python's (C3) order: the model class first, then
    # its bases and mixins of the file; each is kept in the script, the ones deriving from
    # LightningModule directly rebased onto torch.nn.Module
    chain: list[cst.ClassDef] = field(default_factory=list)

    def pos(self, node: cst.CSTNode) -> tuple[int, int, int, int]:
        r = self.positions.get(node)
        if r is None:
            return (0, 0, 0, 0)
        return (r.start.line, r.start.column + 1, r.end.line, r.end.column + 1)

    def diag(self, code: str, node: cst.CSTNode | None, message: str, help: str = "", severity="error") -> Diagnostic:
        line, col, eline, ecol = self.pos(node) if node is not None else (self.pos(self.cls))
        return Diagnostic(code, message, self.path, line, col, eline, ecol, help, severity)


def hooks_reaching(facts: ModelFacts, method: str) -> set[str]:
    """The loop hooks from which `method` runs: itself if it is one, else its callers' hooks."""
    if method in LOOP_HOOKS:
        return {method}
    found, seen, frontier = set(), {method}, [method]
    while frontier:
        m = frontier.pop()
        for caller, callees in facts.calls.items():
            if m in callees and caller not in seen:
                seen.add(caller)
                if caller in LOOP_HOOKS:
                    found.add(caller)
                else:
                    frontier.append(caller)
    return found


def dotted(expr: cst.BaseExpression) -> str | None:
    """`a.b.c` -> "a.b.c"; None for anything that is not a plain name chain."""
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        left = dotted(expr.value)
        return None if left is None else f"{left}.{expr.attr.value}"
    return None


def _module_name(expr) -> str:
    if isinstance(expr, cst.Name):
        return expr.value
    return f"{_module_name(expr.value)}.{expr.attr.value}"


def import_map(module: cst.Module) -> dict[str, str]:
    """Local names bound by the module's top-level imports -> qualified names."""
    names: dict[str, str] = {}
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    full = _module_name(alias.name)
                    if alias.asname is not None:
                        names[alias.asname.name.value] = full
                    else:
                        top = full.split(".")[0]
                        names[top] = top
            elif isinstance(small, cst.ImportFrom) and small.module is not None and not small.relative:
                base = _module_name(small.module)
                if isinstance(small.names, cst.ImportStar):
                    continue
                for alias in small.names:
                    name = _module_name(alias.name)
                    local = alias.asname.name.value if alias.asname is not None else name
                    names[local] = f"{base}.{name}"
    return names


def qualname(expr: cst.BaseExpression, imports: dict[str, str]) -> str | None:
    d = dotted(expr)
    if d is None:
        return None
    head, _, rest = d.partition(".")
    if head in imports:
        q = imports[head]
        return f"{q}.{rest}" if rest else q
    return d


def is_lightning_name(q: str | None) -> bool:
    return q is not None and q.split(".")[0] in LIGHTNING_ROOTS


def lightning_module_bases(cls: cst.ClassDef, imports) -> list[cst.Arg]:
    return [b for b in cls.bases if qualname(b.value, imports) in LIGHTNING_MODULE_NAMES]


def find_classes(module: cst.Module, imports) -> tuple[list[cst.ClassDef], dict[str, cst.ClassDef]]:
    """Top-level LightningModule subclasses; direct ones, and those deriving from one here."""
    direct: list[cst.ClassDef] = []
    indirect: dict[str, cst.ClassDef] = {}
    known: set[str] = set()
    for stmt in module.body:
        if isinstance(stmt, cst.ClassDef):
            if lightning_module_bases(stmt, imports):
                direct.append(stmt)
                known.add(stmt.name.value)
            elif any(isinstance(b.value, cst.Name) and b.value.value in known for b in stmt.bases):
                indirect[stmt.name.value] = stmt
                known.add(stmt.name.value)
        elif (alias := class_alias(stmt)) is not None and alias[1] in known:
            known.add(alias[0])  # `Base = BaseTask`: another name of a model class
    return direct, indirect


def class_alias(stmt) -> tuple[str, str] | None:
    """A top-level `Alias = Name` line: (alias, name)."""
    if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Assign):
        a = stmt.body[0]
        if len(a.targets) == 1 and isinstance(a.targets[0].target, cst.Name) and isinstance(a.value, cst.Name):
            return a.targets[0].target.value, a.value.value
    return None


class _SelfUses(cst.CSTVisitor):
    """Collects `self.X` uses, `self.X = ...` assignments and `self.m(...)` calls in one method.

    No generic parent map (tracking every node's parent costs a Python call per node): the two
    parents the callers need are recorded where they are seen.
    """

    def __init__(self, self_name: str, method: str):
        self.self_name = self_name
        self.method = method
        self.attrs: list[tuple[str, cst.Attribute]] = []
        self.assigned: set[str] = set()
        self.assigned_nodes: set[int] = set()
        self.calls: dict[int, cst.Call] = {}
        self.outer: dict[int, cst.Attribute] = {}  # id(`self.X`) -> `self.X.Y` around it
        self.assign_of: dict[int, cst.CSTNode] = {}  # id(`self.X` target) -> its Assign/AnnAssign

    def _is_self(self, expr) -> bool:
        return isinstance(expr, cst.Name) and expr.value == self.self_name

    def visit_Attribute(self, node: cst.Attribute) -> None:
        v = node.value
        if self._is_self(v):
            self.attrs.append((node.attr.value, node))
        elif isinstance(v, cst.Attribute) and self._is_self(v.value):
            self.outer[id(v)] = node

    def visit_Assign(self, node: cst.Assign) -> None:
        for t in node.targets:
            self._targets(t.target, node)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._targets(node.target, node)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._targets(node.target, None)

    def _targets(self, t, assign) -> None:
        if isinstance(t, cst.Attribute) and self._is_self(t.value):
            self.assigned.add(t.attr.value)
            self.assigned_nodes.add(id(t))
            if assign is not None:
                self.assign_of[id(t)] = assign
        elif isinstance(t, (cst.Tuple, cst.List)):
            for el in t.elements:
                self._targets(el.value, assign)

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Attribute) and self._is_self(node.func.value):
            self.calls[id(node.func)] = node


def self_name_of(fn: cst.FunctionDef) -> str | None:
    params = fn.params.params or fn.params.posonly_params
    if not params:
        return None
    return params[0].name.value


def inspect_model(path: str, source: str, class_name: str | None, module: cst.Module | None = None) -> tuple[ModelFacts | None, list[Diagnostic], str | None]:
    """Returns (facts, diagnostics, usage_error). A usage error (exit 2) is a string.
    `module`: the source's tree, when an earlier stage parsed it (its nodes stay the same)."""
    # Python's own compiler first (it parses and builds a code object; nothing in the file
    # runs): it names the exact place of a syntax error, finds the errors a parser alone
    # misses (`return` outside a function, ...), and refuses the deeply nested input that
    # overflows libcst's native parser's stack (a segfault, not an exception)
    trees: list = []
    found = _python_syntax_error(source, path, trees)
    if found is not None:
        line, col, msg = found
        return None, [Diagnostic("LGEN101", f"cannot parse the file: {msg}", path, line, col, help="fix the syntax error and eject again")], None
    depth: list[int] = []
    deep = _too_deep_for_libcst(source, trees[0], depth) if trees else None
    if deep is not None:
        return None, [too_deep(path, *deep)], None
    try:
        module = module if module is not None else cst.parse_module(source)
    except (cst.ParserSyntaxError, cst.CSTValidationError) as e:
        line, col, msg = (e.raw_line, e.raw_column + 1, e.message) if isinstance(e, cst.ParserSyntaxError) else (1, 1, str(e))
        d = Diagnostic("LGEN101", f"cannot parse the file: {msg}", path, line, col, help="fix the syntax error and eject again")
        return None, [d], None
    positions = _Positions(module)
    imports = import_map(module)
    direct, indirect = find_classes(module, imports)

    def at(node, code, msg, help=""):
        r = positions.get(node.value if isinstance(node, cst.Arg) else node)
        if r is None:
            return Diagnostic(code, msg, path, 1, 1, help=help)
        return Diagnostic(code, msg, path, r.start.line, r.start.column + 1, r.end.line, r.end.column + 1, help=help)

    if class_name is not None:
        chosen = [c for c in direct if c.name.value == class_name] or ([indirect[class_name]] if class_name in indirect else [])
        if not chosen:
            unreachable = _unreachable_classes(module, imports, class_name)
            if unreachable:
                return None, [at(node, "LGEN111", msg, help) for node, msg, help in unreachable[:1]], None
            names = ", ".join(f"`{c.name.value}`" for c in direct + list(indirect.values())) or "none"
            return None, [], f"no LightningModule subclass named `{class_name}` in {path} (found: {names})"
        cls = chosen[0]
    else:
        if not direct and not indirect:
            unreachable = _unreachable_classes(module, imports, None)
            if unreachable:
                return None, [at(node, "LGEN111", msg, help) for node, msg, help in unreachable[:1]], None
            return None, [Diagnostic("LGEN102", "the file defines no `LightningModule` subclass", path, 1, 1, help="subclass `lightning.pytorch.LightningModule` (any import spelling)")], None
        candidates = direct + list(indirect.values())
        # a base the file's other model classes derive from is not a model of its own
        based = {b.value.value for c in candidates for b in c.bases if isinstance(b.value, cst.Name)}
        leaves = [c for c in candidates if c.name.value not in based]
        if len(leaves) != 1:
            names = ", ".join(f"`{c.name.value}`" for c in candidates)
            return None, [], f"{path} defines several LightningModule subclasses ({names}); pick one with --class NAME"
        cls = leaves[0]

    diags: list[Diagnostic] = []
    chain, problem = class_chain(module, imports, cls)
    if problem is not None:
        owner, b, why = problem
        return None, [at(b, "LGEN105", f"`{owner.name.value}` derives from `{dotted(b.value) or 'an expression'}`: {why}", "derive from LightningModule and the file's own classes, or keep Lightning's hooks and API out of that base")], None
    bases = next(lightning_module_bases(c, imports) for c in reversed(chain) if lightning_module_bases(c, imports)) if any(lightning_module_bases(c, imports) for c in chain) else []
    if not bases:
        return None, [at(cls, "LGEN105", f"`{cls.name.value}` derives from LightningModule in a way lgen cannot follow", "derive from LightningModule and the file's own classes")], None

    methods: dict[str, cst.FunctionDef] = {}
    auto: bool | None = None
    auto_node = None
    user_attrs: set[str] = set()
    uses: list[Use] = []
    calls: dict[str, set[str]] = {}

    every: list[tuple[str, cst.FunctionDef]] = []  # each method of each class of the chain
    owner_of: dict[int, cst.ClassDef] = {}
    class_attr_set = False
    for c in chain:  # the MRO decides which class's method (and class attribute) the model has
        for stmt in c.body.body:
            if isinstance(stmt, cst.FunctionDef):
                methods.setdefault(stmt.name.value, stmt)
                every.append((stmt.name.value, stmt))
                owner_of[id(stmt)] = c
                user_attrs.add(stmt.name.value)
            elif isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    targets = []
                    if isinstance(small, cst.Assign):
                        targets = [t.target for t in small.targets]
                        value = small.value
                    elif isinstance(small, cst.AnnAssign):
                        targets = [small.target]
                        value = small.value
                    for t in targets:
                        if isinstance(t, cst.Name):
                            user_attrs.add(t.value)
                            if t.value == "automatic_optimization" and not class_attr_set:
                                auto, auto_node = _literal_bool(value), small
                    class_attr_set = class_attr_set or (auto_node is not None)
    for _, fn in every:
        for deco in fn.decorators:
            d = dotted(deco.decorator)
            if d in ("property", "staticmethod", "classmethod") and fn.name.value in LOOP_HOOKS:
                diags.append(at(fn, "LGEN109", f"hook `{fn.name.value}` is decorated with `@{d}`", "define it as a plain method"))

    assigned_auto: dict[bool | None, cst.CSTNode] = {}
    for name, fn in every:
        sname = self_name_of(fn)
        if sname is None:
            continue
        v = _SelfUses(sname, name)
        fn.visit(v)
        calls.setdefault(name, set()).update(n.func.attr.value for n in v.calls.values() if n.func.attr.value in methods)
        user_attrs |= v.assigned
        for member, node in v.attrs:
            call = v.calls.get(id(node))
            use = Use(member, node, name, call=call, assigned=id(node) in v.assigned_nodes, owner=owner_of[id(fn)])
            parent = v.outer.get(id(node))
            if member == "trainer" and parent is not None:
                use.trainer_attr = parent.attr.value
                use.outer = parent
            if member == "automatic_optimization" and use.assigned:
                assign = v.assign_of.get(id(node))
                if assign is not None:
                    auto, auto_node = _literal_bool(assign.value), assign
                    assigned_auto.setdefault(auto, assign)
            uses.append(use)
    if len(assigned_auto) > 1:
        # the classes of the chain assign different values: which one stands depends on the order
        # the `__init__`s run, which lgen does not follow
        auto, auto_node = None, list(assigned_auto.values())[-1]

    hidden_lines: set[int] = set()
    for node, message in [h for c in chain for h in _hidden_uses(module, c, set(methods), source)]:
        r = positions.get(node)
        if r is not None:
            if r.start.line in hidden_lines:
                continue  # one LGEN113 a line: `builtins.eval(...)` is one finding, not two
            hidden_lines.add(r.start.line)
        diags.append(at(node, "LGEN113", message, "call Lightning's API on `self` by name (`self.log(...)`), define hooks as plain `def` methods in the class, and leave the class as written"))

    for node, message in _removed_api(module, imports):
        diags.append(at(node, "LGEN130", message, "build the Trainer with its arguments (`Trainer(max_epochs=...)`) and parse them with your own `argparse` parser, or Lightning's `LightningCLI`"))

    if len(assigned_auto) > 1:
        diags.append(at(auto_node, "LGEN108", "the model's classes assign `automatic_optimization` different values; lgen does not follow which `__init__` runs last", "assign it in one class"))
    elif auto is None and auto_node is not None:
        diags.append(at(auto_node, "LGEN108", "`automatic_optimization` is not assigned a literal `True` or `False`", "write `self.automatic_optimization = False`"))

    lightning_names = {k for k, q in imports.items() if is_lightning_name(q)}
    facts = ModelFacts(
        path=path,
        source=source,
        module=module,
        positions=positions,
        imports=imports,
        cls=cls,
        class_name=cls.name.value,
        lightning_base=bases[0],
        methods=methods,
        automatic_optimization=True if auto is None else auto,
        uses=uses,
        user_attributes=user_attrs,
        calls=calls,
        lightning_names=lightning_names,
        chain=chain,
    )
    facts.memo["ast_depth"] = depth[0] if depth else 0
    return facts, diags, None


_DYNAMIC_ATTRS = frozenset({"getattr", "setattr", "delattr"})


def _may_name_lightning(expr: cst.BaseExpression) -> bool:
    """Whether a string built at run time may be the name of a LightningModule member: its
    literal parts (of an f-string or a `+` of strings) fit one, the rest standing for any text."""
    import re

    def pattern(e) -> str:
        if isinstance(e, cst.SimpleString) and isinstance(e.evaluated_value, str):
            return re.escape(e.evaluated_value)
        if isinstance(e, cst.FormattedString):
            return "".join(re.escape(p.value) if isinstance(p, cst.FormattedStringText) else ".*" for p in e.parts)
        if isinstance(e, cst.BinaryOperation) and isinstance(e.operator, cst.Add):
            return pattern(e.left) + pattern(e.right)
        if isinstance(e, cst.ConcatenatedString):
            return pattern(e.left) + pattern(e.right)
        return ".*"

    regex = re.compile(pattern(expr), re.DOTALL)
    return any(regex.fullmatch(m) for m in LIGHTNING_MODULE_MEMBERS)


_DUNDER_ACCESS = frozenset({"__dict__", "__getattribute__", "__getattr__", "__setattr__", "__delattr__"})
# builtins that run code or reach attributes by a name lgen cannot see, wherever they are used
_RUNS_CODE = frozenset({"eval", "exec"})
_HIDDEN_BUILTINS = _RUNS_CODE | _DYNAMIC_ATTRS | {"vars"}
# members of LightningModule that are data, not methods Lightning calls
_DATA_MEMBERS = frozenset(
    """
    CHECKPOINT_HYPER_PARAMS_KEY CHECKPOINT_HYPER_PARAMS_NAME CHECKPOINT_HYPER_PARAMS_TYPE automatic_optimization
    current_epoch device device_mesh dtype example_input_array fabric global_rank global_step hparams
    hparams_initial local_rank logger loggers on_gpu strict_loading trainer
    """.split()
)


def _module_function(module: cst.Module, name: str) -> cst.FunctionDef | None:
    """The module-level `def name` where it is the name's only binding at module level."""
    binds = []
    for stmt in module.body:
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)) and stmt.name.value == name:
            binds.append(stmt)
        elif isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, (cst.Import, cst.ImportFrom)) and not isinstance(small.names, cst.ImportStar):
                    for a in small.names:
                        bound = a.asname.name if a.asname is not None else a.name
                        if isinstance(bound, cst.Name) and bound.value == name or dotted(bound) and dotted(bound).split(".")[0] == name:
                            binds.append(small)
                elif isinstance(small, (cst.Import, cst.ImportFrom)):
                    binds.append(small)  # `from m import *` may bind it
                elif name in _bound_names(small):
                    binds.append(small)
        elif name in _bound_names(stmt):
            binds.append(stmt)  # bound inside a compound statement (`if`, `try`, `for`, ...)
    fn = binds[0] if len(binds) == 1 else None
    if isinstance(fn, cst.FunctionDef) and not fn.decorators and fn.asynchronous is None:
        return fn
    return None


def _bound_names(node: cst.CSTNode) -> set[str]:
    names: set[str] = set()

    class B(cst.CSTVisitor):
        def visit_AssignTarget(self, n):
            names.update(x.value for x in _target_names(n.target))

        def visit_AnnAssign(self, n):
            names.update(x.value for x in _target_names(n.target))

        def visit_AugAssign(self, n):
            names.update(x.value for x in _target_names(n.target))

        def visit_NamedExpr(self, n):
            names.update(x.value for x in _target_names(n.target))

        def visit_For(self, n):
            names.update(x.value for x in _target_names(n.target))

        def visit_WithItem(self, n):
            if n.asname is not None:
                names.update(x.value for x in _target_names(n.asname.name))

        def visit_FunctionDef(self, n):
            names.add(n.name.value)
            return False

        def visit_ClassDef(self, n):
            names.add(n.name.value)
            return False

        def visit_ImportAlias(self, n):
            bound = n.asname.name if n.asname is not None else n.name
            d = dotted(bound)
            if d:
                names.add(d.split(".")[0])

        def visit_ExceptHandler(self, n):
            if n.name is not None:
                names.update(x.value for x in _target_names(n.name.name))

        def visit_Global(self, n):
            names.update(x.name.value for x in n.names)

    node.visit(B())
    return names


def _target_names(t) -> list[cst.Name]:
    if isinstance(t, cst.Name):
        return [t]
    if isinstance(t, (cst.Tuple, cst.List)):
        return [n for e in t.elements for n in _target_names(e.value)]
    if isinstance(t, cst.StarredElement):
        return _target_names(t.value)
    return []


# what a class decorator may set on the class it returns: the class's docstring, and its
# `__init__` where the new one provably calls the old one with the same arguments (a wrapper that
# warns first, say: `_wraps_init`); lgen reads the class's `__init__` for what it plans
_DECORATOR_SETS = frozenset({"__doc__", "__init__"})


def keeps_class(module: cst.Module, deco: cst.Decorator) -> bool:
    """Whether the class decorator `deco` provably returns the class itself: `@name` or
    `@name(...)` of a plain function of this module (`name(...)` returning a nested function)
    that, given a class, sets at most the attributes `_DECORATOR_SETS` and `return`s its
    parameter, with nothing that could change the class elsewhere (no `setattr`, `vars`,
    `__dict__`, no passing the class itself to other code)."""
    expr = deco.decorator
    if isinstance(expr, cst.Name):
        fn = _module_function(module, expr.value)
        return fn is not None and _returns_its_class(module, fn)
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name):
        factory = _module_function(module, expr.func.value)
        if factory is None or any(isinstance(n, (cst.Yield, cst.Await)) for n in _walk_shallow(factory.body)):
            return False
        body = _without_docstring(factory.body.body)
        if not body or not isinstance(body[-1], cst.SimpleStatementLine) or len(body[-1].body) != 1:
            return False
        ret = body[-1].body[0]
        if not (isinstance(ret, cst.Return) and isinstance(ret.value, cst.Name)):
            return False
        defs = [s for s in body[:-1] if isinstance(s, cst.FunctionDef)]
        if len(defs) != len(body) - 1:
            return False  # only nested `def`s before the `return`
        inner = [d for d in defs if d.name.value == ret.value.value]
        return len(inner) == 1 and not inner[0].decorators and inner[0].asynchronous is None and _returns_its_class(module, inner[0])
    return False


def _without_docstring(body) -> list:
    body = list(body)
    if body and isinstance(body[0], cst.SimpleStatementLine) and len(body[0].body) == 1 and isinstance(body[0].body[0], cst.Expr) and isinstance(body[0].body[0].value, (cst.SimpleString, cst.ConcatenatedString)):
        return body[1:]
    return body


def _walk_shallow(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The nodes of `node`, not entering nested functions, lambdas or classes."""
    out: list[cst.CSTNode] = []

    class W(cst.CSTVisitor):
        def on_visit(self, n):
            out.append(n)
            return not isinstance(n, (cst.FunctionDef, cst.Lambda, cst.ClassDef)) or n is node

    node.visit(W())
    return out


def _calls_through(w: cst.FunctionDef, p: str) -> bool:
    """`def w(*args, **kwargs)` whose body runs calls that do not touch the arguments or `p`, then
    `return p(*args, **kwargs)`: it does what `p` does, with the same arguments."""
    ps = w.params
    if ps.params or ps.posonly_params or ps.kwonly_params or not isinstance(ps.star_arg, cst.Param) or ps.star_kwarg is None:
        return False
    args, kwargs = ps.star_arg.name.value, ps.star_kwarg.name.value
    if w.asynchronous is not None or any(isinstance(n, (cst.Yield, cst.Await, cst.Global, cst.Nonlocal)) for n in _walk_shallow(w.body)):
        return False
    body = _without_docstring(w.body.body)
    if not body or not all(isinstance(s, cst.SimpleStatementLine) and len(s.body) == 1 for s in body):
        return False
    last = body[-1].body[0]
    if not (isinstance(last, cst.Return) and isinstance(last.value, cst.Call) and isinstance(last.value.func, cst.Name) and last.value.func.value == p):
        return False
    call = last.value.args
    if not (len(call) == 2 and call[0].star == "*" and call[1].star == "**" and isinstance(call[0].value, cst.Name) and call[0].value.value == args and isinstance(call[1].value, cst.Name) and call[1].value.value == kwargs):
        return False
    for stmt in body[:-1]:
        small = stmt.body[0]
        if not isinstance(small, cst.Expr) or not isinstance(small.value, cst.Call):
            return False
        if any(isinstance(n, cst.Name) and n.value in (args, kwargs, p) for n in _walk_shallow(small.value)):
            return False
        if any(isinstance(n, cst.Lambda) for n in _walk_shallow(small.value)):
            return False
    return True


def _returns_its_class(module: cst.Module, fn: cst.FunctionDef, callable_path: bool = False) -> bool:
    """`fn(cls)`, called with a class, returns `cls` itself having set at most `_DECORATOR_SETS`.
    With `callable_path`: `fn(f)`, called with a function `f`, returns a nested wrapper that calls
    `f` with the arguments it gets (`_calls_through`)."""
    params = fn.params
    positional = list(params.posonly_params) + list(params.params)
    if not positional:
        return False
    if any(p.default is None for p in positional[1:]) or any(p.default is None for p in params.kwonly_params):
        return False  # called with the class alone
    p = positional[0].name.value
    if any(isinstance(n, (cst.Yield, cst.Await, cst.Global, cst.Nonlocal)) for n in _walk_shallow(fn.body)):
        return False
    if p in _bound_names(fn.body.with_changes(body=[s for s in fn.body.body if not isinstance(s, (cst.FunctionDef, cst.ClassDef))])):
        return False  # the parameter rebound: what is returned may be another object

    def is_p(e) -> bool:
        return isinstance(e, cst.Name) and e.value == p

    def class_test(test) -> bool | None:
        """True for `inspect.isclass(p)` / `isinstance(p, type)`, False for their `not`, else None."""
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            inner = class_test(test.expression)
            return None if inner is None else not inner
        if isinstance(test, cst.Call) and len(test.args) in (1, 2) and is_p(test.args[0].value):
            d = dotted(test.func)
            if d in ("inspect.isclass", "isclass") and len(test.args) == 1:
                return True
            if d == "isinstance" and len(test.args) == 2 and dotted(test.args[1].value) == "type":
                return True
        return None

    def safe(expr) -> bool:
        """`p` only read as `p.attr` (not `__dict__`), or tested by `class_test`; no `setattr` & co."""
        ok = True

        class V(cst.CSTVisitor):
            def visit_Call(self, n):
                nonlocal ok
                if class_test(n) is not None:
                    return False
                if dotted(n.func) in ("setattr", "delattr", "vars", "exec", "eval", "type.__setattr__", "object.__setattr__", "builtins.setattr"):
                    ok = False

            def visit_Attribute(self, n):
                nonlocal ok
                if is_p(n.value):
                    if n.attr.value in ("__dict__", "__class__", "__bases__", "__mro__"):
                        ok = False
                    return False
                if n.attr.value in ("__setattr__", "__delattr__"):
                    ok = False

            def visit_Name(self, n):
                nonlocal ok
                if n.value == p:
                    ok = False  # the class itself passed on or bound to another name

        expr.visit(V())
        return ok

    def wraps_init(value) -> bool:
        """`g(p.__init__, keyword=...)`, `g` this function or one of the module's, whose
        function path returns a wrapper that calls what it was given (`_calls_through`)."""
        if not (isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.args):
            return False
        first, rest = value.args[0], value.args[1:]
        if first.keyword is not None or first.star or not (isinstance(first.value, cst.Attribute) and is_p(first.value.value) and first.value.attr.value == "__init__"):
            return False
        if any(a.keyword is None or a.star or not safe(a.value) for a in rest):
            return False
        g = fn if value.func.value == fn.name.value else _module_function(module, value.func.value)
        return g is not None and _returns_its_class(module, g, callable_path=True)

    RETURNS, FALLS, BAD = "returns", "falls", "bad"
    wrappers: set[str] = set()  # nested functions that call the given function through

    def walk(stmts) -> str:
        for stmt in stmts:
            if isinstance(stmt, cst.FunctionDef):
                if stmt.asynchronous is not None or not all(dotted(d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator) in ("functools.wraps", "wraps") for d in stmt.decorators):
                    return BAD
                if callable_path and _calls_through(stmt, p):
                    wrappers.add(stmt.name.value)
                else:
                    wrappers.discard(stmt.name.value)
                continue  # defined, not run (its `functools.wraps(p)` reads the class)
            if isinstance(stmt, cst.If):
                test = class_test(stmt.test)
                if test is not None and callable_path:
                    test = not test  # the function's path is the class's other one
                if test is True:
                    return RETURNS if walk(stmt.body.body) == RETURNS else BAD  # the class's path
                if test is False:
                    if stmt.orelse is not None:
                        return BAD
                    continue  # another object's path
                if not safe(stmt.test):
                    return BAD
                branches = [walk(stmt.body.body)]
                if stmt.orelse is not None:
                    branches.append(walk(stmt.orelse.body.body) if isinstance(stmt.orelse, cst.Else) else walk([stmt.orelse]))
                if BAD in branches:
                    return BAD
                if all(b == RETURNS for b in branches) and stmt.orelse is not None:
                    return RETURNS
                continue
            if not isinstance(stmt, cst.SimpleStatementLine):
                return BAD  # loops, `try`, `with`, ...: not followed
            for small in stmt.body:
                if isinstance(small, cst.Return):
                    if callable_path:
                        return RETURNS if isinstance(small.value, cst.Name) and small.value.value in wrappers else BAD
                    return RETURNS if small.value is not None and is_p(small.value) else BAD
                if isinstance(small, cst.Expr):
                    if not safe(small.value):
                        return BAD
                elif isinstance(small, (cst.Assign, cst.AnnAssign)):
                    targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
                    for t in targets:
                        if isinstance(t, cst.Attribute) and is_p(t.value) and not callable_path:
                            if t.attr.value not in _DECORATOR_SETS:
                                return BAD
                            if t.attr.value == "__init__" and not wraps_init(small.value):
                                return BAD
                        elif isinstance(t, cst.Attribute) and isinstance(t.value, cst.Name) and t.value.value in wrappers and t.attr.value == "__doc__":
                            pass  # the wrapper's docstring
                        elif isinstance(t, cst.Name) and t.value in wrappers:
                            return BAD  # the wrapper's name rebound
                        elif not (isinstance(t, cst.Name) or isinstance(t, (cst.Tuple, cst.List)) and all(isinstance(e.value, cst.Name) for e in t.elements)):
                            return BAD  # `x.attr = ...`, `x[k] = ...`: may be the class under another name
                    if small.value is not None and not safe(small.value):
                        return BAD
                elif not isinstance(small, cst.Pass):
                    return BAD
        return FALLS

    return walk(_without_docstring(fn.body.body)) == RETURNS


# class methods Lightning 2.0 removed from `Trainer` and `LightningDataModule` (Lightning 2.6.6's
# classes have no such attribute: reading one raises AttributeError)
REMOVED_API = frozenset({"add_argparse_args", "from_argparse_args", "parse_argparser", "get_init_arguments_and_types"})


def _removed_api(module: cst.Module, imports) -> list[tuple[cst.CSTNode, str]]:
    """`Trainer.add_argparse_args(parser)` and the like, anywhere in the file: Lightning 2.6.6
    raises AttributeError where they run (they went in Lightning 2.0)."""
    found: list[tuple[cst.CSTNode, str]] = []

    class Finder(cst.CSTVisitor):
        def visit_Attribute(self, node):
            if node.attr.value not in REMOVED_API:
                return
            q = qualname(node.value, imports)
            if is_lightning_name(q) and q.rsplit(".", 1)[-1] in ("Trainer", "LightningDataModule"):
                cls = q.rsplit(".", 1)[-1]
                found.append((node, f"`{dotted(node)}`: Lightning 2.6.6's `{cls}` has no `{node.attr.value}` (removed in Lightning 2.0); Lightning raises AttributeError where it runs"))

    if any(name in module.code for name in REMOVED_API):  # a pass over the tree only where the text names one
        module.visit(Finder())
    return found


def _hidden_uses(module: cst.Module, cls: cst.ClassDef, methods: set[str], source: str) -> list[tuple[cst.CSTNode, str]]:
    """Code that reaches the model's attributes or hooks where lgen cannot see which: `eval` and
    `exec` anywhere (also as `builtins.eval` or under another name), `getattr(self, name)` with a
    computed name (or a literal one of Lightning's), `getattr` & co. passed around as values,
    `operator.attrgetter`/`methodcaller` of such a name, `self.__dict__`, `vars(self)`,
    `X.__setattr__(self, ...)`, `self.__class__ = ...`, an `async def` or generator hook, a hook
    bound in the class body without `def`, a decorated model class, and the class changed from
    outside (also through another name bound to it, or the name rebound)."""
    found: list[tuple[cst.CSTNode, str]] = []
    name = cls.name.value
    names = {name}  # the class and the names bound to it (`M = Model`)

    class Aliases(cst.CSTVisitor):
        def visit_Assign(self, node):
            if isinstance(node.value, cst.Name) and node.value.value in names:
                names.update(t.target.value for t in node.targets if isinstance(t.target, cst.Name))

        def visit_AnnAssign(self, node):
            if isinstance(node.value, cst.Name) and node.value.value in names and isinstance(node.target, cst.Name):
                names.add(node.target.value)

        def visit_NamedExpr(self, node):
            if isinstance(node.value, cst.Name) and node.value.value in names and isinstance(node.target, cst.Name):
                names.add(node.target.value)

    import re

    # a pass over the tree costs milliseconds: only where the text may bind the class to a name
    may_alias = re.search(r"=[\s(\\]*" + re.escape(name) + r"\b", source) is not None
    for _ in range(3 if may_alias else 0):  # aliases of aliases
        before = len(names)
        module.visit(Aliases())
        if len(names) == before:
            break

    def literal(arg: cst.Arg) -> str | None:
        v = arg.value
        if isinstance(v, cst.SimpleString) and v.prefix.lower() in ("", "u"):
            return v.evaluated_value if isinstance(v.evaluated_value, str) else None
        return None

    def hidden_builtin(expr) -> str | None:
        """`eval`, `builtins.getattr`, `__builtins__.exec`, `__import__("builtins").vars`: which."""
        if isinstance(expr, cst.Name) and expr.value in _HIDDEN_BUILTINS:
            return expr.value
        if isinstance(expr, cst.Attribute) and expr.attr.value in _HIDDEN_BUILTINS:
            v = expr.value
            if isinstance(v, cst.Name) and v.value in ("builtins", "__builtins__"):
                return expr.attr.value
            if isinstance(v, cst.Call) and isinstance(v.func, cst.Name) and v.func.value == "__import__":
                return expr.attr.value
        return None

    class Finder(cst.CSTVisitor):
        def __init__(self):
            self.selves: list[str] = []  # the self parameter of each enclosing method
            self.in_class = False
            self.hooks: list[bool] = []  # whether each enclosing function is a Lightning hook of the class
            self.called: set[int] = set()  # the func of each call seen (not a value passed around)
            self.not_values: set[int] = set()  # names that name no value: `x.eval`, `f(vars=...)`, `def eval`

        def _is_self(self, expr) -> bool:
            if isinstance(expr, cst.Name) and self.in_class and expr.value in self.selves:
                return True
            if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and expr.func.value in ("type", "super"):
                return self.in_class  # type(self), super()
            if isinstance(expr, cst.Attribute) and expr.attr.value == "__class__":
                return self._is_self(expr.value)
            return isinstance(expr, cst.Name) and expr.value in names

        def visit_ClassDef(self, node):
            if node is cls:
                self.in_class = True
                for deco in node.decorators:
                    if not keeps_class(module, deco):
                        found.append((deco, "the model class is decorated: the decorator may change or replace the class where lgen cannot see it"))
                for stmt in node.body.body:
                    if not isinstance(stmt, cst.SimpleStatementLine):
                        continue
                    for small in stmt.body:
                        targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target] if isinstance(small, cst.AnnAssign) else []
                        for t in targets:
                            if isinstance(t, cst.Name) and t.value in LIGHTNING_MODULE_MEMBERS and t.value not in _DATA_MEMBERS:
                                found.append((small, f"`{t.value}` is bound in the class body without `def`: lgen cannot see the hook's code"))
            elif node.name.value in names and self.in_class is False and node is not cls:
                found.append((node, f"`{node.name.value}` is defined again: the name no longer means the class lgen reads"))

        def leave_ClassDef(self, node):
            if node is cls:
                self.in_class = False

        def visit_FunctionDef(self, node):
            self.not_values.add(id(node.name))
            hook = self.in_class and node.name.value in LIGHTNING_MODULE_MEMBERS and node in cls.body.body
            if hook and node.asynchronous is not None:
                found.append((node, f"`{node.name.value}` is an `async def`: Lightning would get a coroutine, not its result"))
            self.hooks.append(hook)
            if self.in_class:
                params = node.params.params or node.params.posonly_params
                self.selves.append(params[0].name.value if params else "")

        def leave_FunctionDef(self, node):
            self.hooks.pop()
            if self.in_class:
                self.selves.pop()

        def visit_Lambda(self, node):
            self.hooks.append(False)

        def leave_Lambda(self, node):
            self.hooks.pop()

        def _yield(self, node):
            if self.hooks and self.hooks[-1]:
                found.append((node, "a Lightning hook that `yield`s is a generator: Lightning would get a generator, not its result"))

        def visit_Yield(self, node):
            self._yield(node)

        def visit_Arg(self, node):
            if node.keyword is not None:
                self.not_values.add(id(node.keyword))

        def visit_Param(self, node):
            self.not_values.add(id(node.name))

        def visit_Name(self, node):
            if id(node) in self.not_values:
                return
            if node.value in _RUNS_CODE or node.value in ("__import__", "__builtins__"):
                if id(node) not in self.called:
                    found.append((node, f"`{node.value}` runs or reaches code lgen cannot read; it may use Lightning's API or change the model"))
            elif node.value in _HIDDEN_BUILTINS and id(node) not in self.called:
                found.append((node, f"`{node.value}` is passed around as a value: lgen cannot see which attributes it reaches"))

        def visit_ImportAlias(self, node):
            if isinstance(node.name, cst.Name) and node.name.value in _HIDDEN_BUILTINS:
                found.append((node, f"`{node.name.value}` is imported under another name: lgen cannot see which attributes it reaches"))
            return False

        def visit_Attribute(self, node):
            self.not_values.add(id(node.attr))
            if node.attr.value in _DUNDER_ACCESS and self._is_self(node.value):
                found.append((node, f"`.{node.attr.value}` of the model reaches its attributes where lgen cannot see which"))
            which = hidden_builtin(node)
            if which is not None and id(node) not in self.called:
                found.append((node, f"`{which}` is passed around as a value: lgen cannot see which attributes it reaches"))

        def visit_Call(self, node):
            f = node.func
            self.called.add(id(f))
            which = hidden_builtin(f)
            first = node.args[0].value if node.args else None
            if which in _RUNS_CODE:
                found.append((node, f"`{which}(...)` runs code lgen cannot read; it may use Lightning's API or change the model"))
            elif which in _DYNAMIC_ATTRS and first is not None and self._is_self(first):
                attr = literal(node.args[1]) if len(node.args) > 1 else None
                if attr is None and len(node.args) > 1 and not _may_name_lightning(node.args[1].value):
                    pass  # e.g. getattr(self, f"layer_{i}"): no name of Lightning's fits that pattern
                elif attr is None:
                    found.append((node, f"`{which}` on the model with a name computed at run time: lgen cannot see which attribute, which may be Lightning's"))
                elif attr in LIGHTNING_MODULE_MEMBERS and (attr not in methods or which != "getattr"):
                    found.append((node, f"`{which}(..., {attr!r})` reaches Lightning's `{attr}` by name, where lgen does not rewrite it"))
                elif which != "getattr" and not self.in_class:
                    found.append((node, f"`{which}` changes `{name}` from outside the class"))
            elif which == "vars" and first is not None and self._is_self(first):
                found.append((node, "`vars(...)` of the model reaches its attributes where lgen cannot see which"))
            elif which == "vars" and first is None:
                found.append((node, "`vars()` reaches names where lgen cannot see which"))
            elif isinstance(f, cst.Name) and f.value in ("globals", "locals"):
                found.append((node, f"`{f.value}()` reaches names where lgen cannot see which"))
            elif isinstance(f, cst.Attribute) and f.attr.value in _DUNDER_ACCESS and (
                (isinstance(f.value, cst.Name) and f.value.value == "object") or (first is not None and self._is_self(first))
            ):
                owner = "object" if isinstance(f.value, cst.Name) and f.value.value == "object" else ""
                found.append((node, f"`{owner}.{f.attr.value}` of the model reaches its attributes where lgen cannot see which"))
            elif (isinstance(f, cst.Name) and f.value in ("attrgetter", "methodcaller")) or (isinstance(f, cst.Attribute) and f.attr.value in ("attrgetter", "methodcaller")):
                kind = f.value if isinstance(f, cst.Name) else f.attr.value
                attrs = [literal(a) for a in (node.args if kind == "attrgetter" else node.args[:1]) if a.keyword is None]
                if not attrs or any(a is None or a.split(".")[0] in LIGHTNING_MODULE_MEMBERS for a in attrs):
                    found.append((node, f"`{kind}` with a name computed at run time or one of Lightning's: lgen cannot see which attribute it reaches"))

        def _target(self, t):
            if isinstance(t, cst.Attribute) and self._is_self(t.value) and not (
                self.in_class and isinstance(t.value, cst.Name) and t.value.value in self.selves
            ):
                found.append((t, f"`{name}.{t.attr.value}` is assigned outside the class body, at run time, where lgen cannot follow it"))
            elif isinstance(t, cst.Attribute) and t.attr.value == "__class__" and self._is_self(t.value):
                found.append((t, "`__class__` of the model is assigned: the model becomes another class lgen cannot see"))
            elif isinstance(t, cst.Name) and t.value in names and not self.in_class and t.value == name:
                found.append((t, f"`{name}` is rebound: the name no longer means the class lgen reads"))
            elif isinstance(t, (cst.Tuple, cst.List)):
                for el in t.elements:
                    self._target(el.value)

        def visit_Assign(self, node):
            for t in node.targets:
                self._target(t.target)

        def visit_AugAssign(self, node):
            self._target(node.target)

        def visit_AnnAssign(self, node):
            self._target(node.target)

        def visit_Del(self, node):
            self._target(node.target)

        def visit_For(self, node):
            for el in node.iter.elements if isinstance(node.iter, (cst.List, cst.Tuple, cst.Set)) else []:
                if isinstance(el.value, cst.Name) and el.value.value in names:
                    found.append((node.iter, f"`{name}` is iterated over under another name: lgen cannot follow what is done to it"))

    module.visit(Finder())
    return found


def class_chain(module: cst.Module, imports, cls: cst.ClassDef):
    """The user's classes of `cls`'s MRO (Python's C3 linearization, computed statically over the
    classes of this file; a base from elsewhere is one opaque entry), in that order, `cls` first.

    Returns (chain, problem): problem is (class, base Arg, why) for a base lgen cannot read (a
    class of another module that is neither Lightning's nor a plain standard-library one), or
    bases Python itself could not linearize."""
    local = {s.name.value: s for s in module.body if isinstance(s, cst.ClassDef)}
    local[cls.name.value] = cls  # (a name defined twice: the class lgen reads; the rebinding is LGEN113)
    for stmt in module.body:  # `Base = BaseTask`: the class under another name
        alias = class_alias(stmt)
        if alias is not None and alias[1] in local and alias[0] not in local:
            local[alias[0]] = local[alias[1]]
    problem: list = []
    memo: dict[str, list[str]] = {}

    def key(owner: cst.ClassDef, b: cst.Arg) -> str | None:
        if b.keyword is not None or b.star:
            return None  # `metaclass=ABCMeta`: no base
        if isinstance(b.value, cst.Name) and b.value.value in local and b.value.value != owner.name.value:
            return local[b.value.value].name.value
        q = qualname(b.value, imports)
        if q in LIGHTNING_MODULE_NAMES or q in _PLAIN_BASES:
            return f"<{q}>"
        if not problem:
            why = _mixin_problem(module, imports, b.value, set()) or "a class lgen cannot read"
            problem.append((owner, b, why))
        return f"<{q or dotted(b.value) or '?'}>"

    def lin(name: str, depth: int = 0) -> list[str]:
        if name in memo:
            return memo[name]
        if name.startswith("<") or depth > 100:
            return [name]
        memo[name] = [name]  # a cycle (not valid Python) ends here
        c = local[name]
        bases = [k for k in (key(c, b) for b in c.bases) if k is not None]
        seqs = [list(lin(b, depth + 1)) for b in bases] + [list(bases)]
        out = [name]
        while any(seqs):
            for seq in seqs:
                if seq and not any(seq[0] in other[1:] for other in seqs):
                    head = seq[0]
                    break
            else:
                if not problem:
                    problem.append((c, c.bases[0], "Python cannot order these bases (no consistent MRO)"))
                break
            out.append(head)
            for seq in seqs:
                if seq and seq[0] == head:
                    del seq[0]
        memo[name] = out
        return out

    order = lin(cls.name.value)
    chain = [local[n] for n in order if not n.startswith("<")]
    return chain, (problem[0] if problem else None)


# bases that add nothing Lightning could call: plain classes of the standard library's
_PLAIN_BASES = frozenset({"object", "abc.ABC"})


def _mixin_problem(module: cst.Module, imports, base: cst.BaseExpression, seen: set[str]) -> str | None:
    """Why a base next to LightningModule cannot be ejected, or None when it is a plain mixin.

    A plain mixin is `ABC`, `object`, or a class of this file that defines none of
    LightningModule's members (Lightning would call its hooks from there) and uses none on
    `self`; its bases are plain mixins too. The class keeps it as a base in the script.
    """
    q = qualname(base, imports)
    if q in _PLAIN_BASES:
        return None
    name = dotted(base)
    local = next((s for s in module.body if isinstance(s, cst.ClassDef) and isinstance(base, cst.Name) and s.name.value == base.value), None)
    if local is None:
        where = f", imported from `{q.rpartition('.')[0]}`" if q and name and q != name else ""
        return f"a class lgen cannot read{where}, so it cannot see the hooks it may add"
    if name in seen:
        return None
    seen.add(name)
    for stmt in local.body.body:
        if isinstance(stmt, cst.FunctionDef) and stmt.name.value in LIGHTNING_MODULE_MEMBERS:
            return f"it defines `{stmt.name.value}`, which Lightning would call on the model"
    for stmt in local.body.body:
        if isinstance(stmt, cst.FunctionDef) and (sname := self_name_of(stmt)) is not None:
            v = _SelfUses(sname, stmt.name.value)
            stmt.visit(v)
            used = sorted({m for m, _ in v.attrs if m in LIGHTNING_MODULE_MEMBERS})
            if used:
                return f"its `{stmt.name.value}` uses `self.{used[0]}`, Lightning's, which lgen rewrites only in the model class"
    for b in local.bases:
        problem = _mixin_problem(module, imports, b.value, seen)
        if problem is not None:
            return f"its base `{dotted(b.value) or 'an expression'}` is {problem}"
    return None


def _unreachable_classes(module: cst.Module, imports, class_name: str | None) -> list[tuple[cst.CSTNode, str, str]]:
    """LightningModule subclasses lgen can name but not eject from this file: (node, message, help).

    A class defined inside a function or another class, and (when `class_name` names it) a
    module-level class whose base comes from another module.
    """
    found = []

    class Nested(cst.CSTVisitor):
        def __init__(self):
            self.scope: list[str] = []

        def visit_ClassDef(self, node):
            if self.scope and (lightning_module_bases(node, imports) if class_name is None else node.name.value == class_name):
                found.append((node, f"`{node.name.value}` is defined inside `{self.scope[-1]}`; lgen ejects a class defined at the top of the file", "move the class to module level"))
            self.scope.append(node.name.value)

        def leave_ClassDef(self, node):
            self.scope.pop()

        def visit_FunctionDef(self, node):
            self.scope.append(f"{node.name.value}()")

        def leave_FunctionDef(self, node):
            self.scope.pop()

    if class_name is not None:
        origins = _import_origins(module)
        for stmt in module.body:
            if isinstance(stmt, cst.ClassDef) and stmt.name.value == class_name:
                for b in stmt.bases:
                    name = dotted(b.value) or ""
                    origin = origins.get(name.partition(".")[0])
                    if origin is not None:
                        found.append((b, f"`{class_name}` derives from `{name}`, imported from `{origin}`, which lgen cannot find among the project's files, so it cannot see whether that is a LightningModule, or its hooks", "keep the base's module under the project root (`--root DIR`), or define the model on LightningModule"))
                if not found:
                    found.append((stmt.name, f"`{class_name}` does not derive from `LightningModule`", "subclass `lightning.pytorch.LightningModule` (any import spelling)"))
                return found
    module.visit(Nested())
    if class_name is None and not found:
        # no LightningModule here: a class whose base comes from the user's other modules may be one
        origins = _import_origins(module)
        for stmt in module.body:
            if isinstance(stmt, cst.ClassDef):
                for b in stmt.bases:
                    name = dotted(b.value) or ""
                    origin = origins.get(name.partition(".")[0])
                    if origin is not None and origin.split(".")[0] not in _LIBRARY_ROOTS:
                        found.append((b, f"the file defines no `LightningModule` subclass it can see: `{stmt.name.value}` derives from `{name}`, imported from `{origin}`, which lgen does not read", "eject the file that defines the LightningModule subclass, or define the model there as one class that subclasses LightningModule"))
                        return found
    return found


# where bases of classes that are not models usually come from (datasets, enums, typing)
_LIBRARY_ROOTS = frozenset({"torch", "typing", "abc", "enum", "collections", "dataclasses", "numpy", "torchvision", "typing_extensions"})


def _import_origins(module: cst.Module) -> dict[str, str]:
    """Local names bound by top-level imports -> the module they come from, relative ones too."""
    out: dict[str, str] = {}
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                origin = "." * len(small.relative) + (_module_name(small.module) if small.module is not None else "")
                for alias in small.names:
                    out[alias.asname.name.value if alias.asname else _module_name(alias.name)] = origin
            elif isinstance(small, cst.Import):
                for alias in small.names:
                    full = _module_name(alias.name)
                    out[alias.asname.name.value if alias.asname else full.split(".")[0]] = full
    return out


class _Positions:
    """node -> its source range, computed on first use: only a diagnostic needs positions, and
    resolving them walks the whole file (tens of ms on a large model)."""

    def __init__(self, module: cst.Module):
        self.module = module
        self.ranges = None

    def get(self, node):
        if self.ranges is None:
            from libcst.metadata import MetadataWrapper, PositionProvider

            self.ranges = MetadataWrapper(self.module, unsafe_skip_copy=True).resolve(PositionProvider)
        return self.ranges.get(node)


def _python_syntax_error(source: str, path: str, trees: list | None = None) -> tuple[int, int, str] | None:
    """Python's own SyntaxError for the file, as (line, column, message); None if it compiles.

    `compile` parses and builds a code object; nothing in the file runs. Python's syntax tree
    (`ast.parse`, under the caller's limit) is appended to `trees` when it compiles.
    """
    import ast
    import sys
    import warnings

    # under the recursion limit of a fresh `python` compiling the script at its top level (the
    # pipeline runs deeper, under a higher limit): what compiles here compiles there
    limit, depth, frame = sys.getrecursionlimit(), 0, sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    deep = False
    try:
        sys.setrecursionlimit(min(limit, _PYTHON_RECURSION_LIMIT + depth))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, path or "<model>", "exec", dont_inherit=True)
    except SyntaxError as se:
        return se.lineno or 1, max(se.offset or 1, 1), se.msg
    except (RecursionError, MemoryError):
        deep = True
    except Exception:  # e.g. null bytes on some Pythons: libcst's verdict stands
        pass
    finally:
        sys.setrecursionlimit(limit)
    if deep:  # located where the tree is deepest (parsed under the caller's, higher, limit)
        return *deepest_position(source), "the code here is nested too deeply for Python to compile it"
    if trees is not None:
        try:
            trees.append(ast.parse(source, path or "<model>"))
        except (SyntaxError, RecursionError, MemoryError, ValueError):
            pass
    return None


def deepest_position(source: str) -> tuple[int, int]:
    """Where the file's syntax tree is deepest, (line, column); walked without recursion."""
    import ast

    try:
        tree = ast.parse(source)
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        return 1, 1
    best, where = -1, (1, 1)
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > best and hasattr(node, "lineno"):
            best, where = depth, (node.lineno, node.col_offset + 1)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return where


_PYTHON_RECURSION_LIMIT = 1000  # a fresh `python`'s sys.getrecursionlimit()
# How deep libcst's tree may be. Its native parser recurses on the thread's stack without a
# limit of its own (pipeline.eject gives it a large one); Python's compiler bounds the depth of
# most constructs below this, but not the ones that are flat in Python's tree and nested in
# libcst's: a dotted name in an import, `a and b and ...`, "implicitly" "concatenated" "strings".
LIBCST_MAX_DEPTH = 5000


def _too_deep_for_libcst(source: str, tree, deepest: list[int]) -> tuple[int, int] | None:
    """Where libcst's tree would be deeper than LIBCST_MAX_DEPTH, (line, column); None if nowhere.

    A walk of Python's tree without recursion: each node is one level, and the constructs
    libcst nests where Python does not count one level per part. The largest depth found is
    appended to `deepest`."""
    import ast

    stack, most = [(tree, 0)], 0
    while stack:
        node, depth = stack.pop()
        depth += 1
        most = max(most, depth)
        if isinstance(node, ast.BoolOp):
            depth += len(node.values)
        elif isinstance(node, ast.alias):
            depth += node.name.count(".")
        elif isinstance(node, ast.ImportFrom):
            depth += (node.module or "").count(".")
        elif isinstance(node, (ast.Constant, ast.JoinedStr)) and getattr(node, "end_col_offset", None) is not None:
            if node.end_lineno - node.lineno > 100 or node.end_col_offset - node.col_offset > 2 * LIBCST_MAX_DEPTH:
                depth += _string_pieces(source, node)
        if depth > LIBCST_MAX_DEPTH and hasattr(node, "lineno"):
            return node.lineno, node.col_offset + 1
        stack.extend((child, depth) for child in ast.iter_child_nodes(node))
    deepest.append(most)
    return None


def _string_pieces(source: str, node) -> int:
    """How many string literals make up one (implicitly concatenated) string constant."""
    import ast
    import io
    import tokenize

    segment = ast.get_source_segment(source, node) or ""
    try:
        return sum(t.type == tokenize.STRING or t.type == getattr(tokenize, "FSTRING_START", -1) for t in tokenize.generate_tokens(io.StringIO(segment).readline))
    except (tokenize.TokenError, SyntaxError):
        return len(segment) // 2


def too_deep(path: str, line: int, col: int) -> Diagnostic:
    return Diagnostic(
        "LGEN112",
        "the code here is nested too deeply for lgen to follow",
        path,
        line,
        col,
        help="split it: sum a list instead of `x + x + ...`, import the module once under a short name",
    )


def _literal_bool(expr) -> bool | None:
    if isinstance(expr, cst.Name) and expr.value in ("True", "False"):
        return expr.value == "True"
    return None
