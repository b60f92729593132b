"""Stage 1a: the project around the entry — its root and the user's own imports, read statically.

A run's model or datamodule class (or a model file's `--class`) is often imported from the
user's own package (`from project.models import LitModel`, `from .data import MNISTDataModule`).
This stage follows the entry's imports under the project root (absolute imports, relative
imports, packages, re-exports in `__init__.py`, aliases), reads the file that defines such a
class, and splices the class into the entry's text — with what it needs from its own module —
under a marked section naming its file. The later stages then read one text as before; the
diagnostics they give are located back in the file each line came from (`Project.locate`).

The user's other modules stay imports, exactly as the entry writes them; one of them that
imports Lightning (itself, through its package's `__init__.py` or through another project
module) is a located diagnostic: the script never imports Lightning indirectly.

Nothing here imports or executes any of the user's files. The result is plain values.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass, field, replace

import libcst as cst

from lgen.diagnostics import Diagnostic
from lgen.inspect import _module_name, import_map, qualname
from lgen.lightning_api import LIGHTNING_MODULE_NAMES, LIGHTNING_ROOTS, UTILITIES
from lgen.vendor import FileError, read_file, sha256

ROOT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")
# Lightning's demos modules, bundled as text (lgen/demos/*.py.txt): read as project files
DEMOS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "demos")
_DEMO_MODULES = ("boring_classes", "lstm", "transformer")


def demo_file(name: str) -> str | None:
    """The bundled text of `lightning.pytorch.demos[.X]` (any of Lightning's spellings), or None."""
    for prefix in ("lightning.pytorch.demos", "pytorch_lightning.demos"):
        if name == prefix:
            return os.path.join(DEMOS, "__init__.py.txt")
        if name.startswith(prefix + ".") and name[len(prefix) + 1 :] in _DEMO_MODULES:
            return os.path.join(DEMOS, f"{name[len(prefix) + 1 :]}.py.txt")
    return None


def is_demo(path: str) -> bool:
    return os.path.dirname(path) == DEMOS
_DATAMODULE_NAMES = frozenset(
    f"{root}.{path}"
    for root in ("lightning.pytorch", "pytorch_lightning")
    for path in ("LightningDataModule", "core.LightningDataModule", "core.datamodule.LightningDataModule")
) | {"lightning.LightningDataModule"}
_CALLBACK_NAMES = frozenset(f"{root}.{path}" for root in ("lightning.pytorch", "pytorch_lightning") for path in ("callbacks.Callback", "callbacks.callback.Callback", "Callback"))
_MAX_HOPS = 32  # re-exports followed through at most this many modules


def find_root(entry: str, given: str | None = None) -> str:
    """`--root`, else the nearest folder above ENTRY.py holding a project marker, else its folder."""
    if given is not None:
        return os.path.abspath(given)
    here = os.path.dirname(os.path.abspath(entry))
    folder = here
    while True:
        if any(os.path.exists(os.path.join(folder, m)) for m in ROOT_MARKERS):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return here
        folder = parent


@dataclass(frozen=True)
class Block:
    """Lines of the combined text copied from another file."""

    start: int  # its first line in the combined text (1-based)
    count: int
    path: str  # the file, as diagnostics name it
    first: int  # its first line in that file


@dataclass
class Project:
    root: str
    source: str  # the entry's text, with the classes from other files spliced in
    files: list[tuple[str, str]] = field(default_factory=list)  # (path under the root, sha256) of every other file read
    blocks: list[Block] = field(default_factory=list)
    # where the entry resumes after each splice: (line in the combined text, line in the entry)
    shifts: list[tuple[int, int]] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)  # diagnostic path -> text (code frames)
    spliced: bool = False

    def locate(self, d: Diagnostic) -> Diagnostic:
        """A diagnostic on the combined text, located in the file its line came from."""
        if not self.spliced or d.line <= 0:
            return d
        path, line = self._where(d.line)
        end = self._where(d.end_line)[1] if d.end_line > 0 else d.end_line
        return replace(d, path=path or d.path, line=line, end_line=end)

    def _where(self, line: int) -> tuple[str | None, int]:
        for b in self.blocks:
            if b.start <= line < b.start + b.count:
                return b.path, b.first + line - b.start
        entry = line
        for combined, resume in self.shifts:
            if line >= combined:
                entry = resume + line - combined
        return None, entry


class _Module:
    """One project file, parsed."""

    def __init__(self, name: str, path: str, text: str, tree: cst.Module, is_package: bool):
        self.name, self.path, self.text, self.tree, self.is_package = name, path, text, tree, is_package
        self.imports = import_map(tree)
        self._starts: list[int] | None = None

    def start_lines(self) -> list[int]:
        """The first line (leading comments included) of each top-level statement."""
        if self._starts is None:
            line = 1 + "".join(self.tree.header and cst.Module(body=[], header=self.tree.header).code).count("\n")
            self._starts = []
            for stmt in self.tree.body:
                self._starts.append(line)
                line += self.tree.code_for_node(stmt).count("\n")
        return self._starts


def module_of(entry: str, root: str | None, file: str) -> str | None:
    """The dotted name the entry's imports reach `file` by (from the entry's folder or the
    project root, as the user's own imports are found); None where none does."""
    reader = _Reader(entry, find_root(entry, root), os.getcwd())
    target = os.path.realpath(file)
    for base in reader.bases:
        rel = os.path.relpath(target, os.path.realpath(base))
        if rel.startswith("..") or not rel.endswith(".py"):
            continue
        parts = rel[:-3].split(os.sep)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        name = ".".join(parts)
        found = reader.find(name) if parts else None
        if found is not None and os.path.realpath(found) == target:
            return name
    return None


class _Reader:
    def __init__(self, entry: str, root: str, cwd: str):
        self.root = root
        self.cwd = cwd
        entry_dir = os.path.dirname(os.path.abspath(entry))
        self.bases = list(dict.fromkeys([entry_dir, root, *([os.path.join(root, "src")] if os.path.isdir(os.path.join(root, "src")) else [])]))
        self.modules: dict[str, _Module | None] = {}
        self.scans: dict[str, _Scanned | None] = {}
        self.clean: set[str] = set()  # modules known not to import Lightning, however reached
        self.read: dict[str, str] = {}  # path under the root -> sha256

    def display(self, path: str) -> str:
        if is_demo(path):
            return _demo_shown(path)
        rel = os.path.relpath(path, self.cwd)
        return rel.replace(os.sep, "/")

    def find(self, name: str) -> str | None:
        parts = name.split(".")
        if not all(p.isidentifier() for p in parts):
            return None
        if parts[0] in LIGHTNING_ROOTS:
            return demo_file(name)
        for base in self.bases:
            p = os.path.join(base, *parts)
            if os.path.isfile(p + ".py"):
                return p + ".py"
            if os.path.isfile(os.path.join(p, "__init__.py")):
                return os.path.join(p, "__init__.py")
        return None

    def module(self, name: str) -> _Module | None:
        if name in self.modules:
            return self.modules[name]
        self.modules[name] = None
        path = self.find(name)
        if path is None:
            return None
        try:
            data = read_file(path)
            text = data.decode("utf-8")
            tree = _parse(text, path)
        except (FileError, UnicodeDecodeError, cst.ParserSyntaxError, cst.CSTValidationError, RecursionError):
            return None
        if tree is None:
            return None
        if not is_demo(path):  # (a demo is lgen's own, as its version says)
            under = os.path.relpath(path, self.root).replace(os.sep, "/")
            self.read[under] = sha256(text)
        m = _Module(name, path, text, tree, os.path.basename(path) in ("__init__.py", "__init__.py.txt"))
        self.modules[name] = m
        return m

    def absolute(self, node: cst.ImportFrom, package: str | None) -> str | None:
        """The absolute module an `from ... import` names (None: a relative import lgen cannot place)."""
        mod = _module_name(node.module) if node.module is not None else ""
        return _absolute(mod, "." * len(node.relative), package)

    def resolve(self, module: str, name: str, hops: int = 0) -> tuple[_Module, cst.ClassDef] | None:
        """The class `name` as `from module import name` reaches it, following re-exports."""
        if hops > _MAX_HOPS:
            return None
        m = self.module(module)
        if m is None:
            return None
        found = None
        for stmt in m.tree.body:
            if isinstance(stmt, cst.ClassDef) and stmt.name.value == name:
                found = ("class", stmt)
            elif isinstance(stmt, cst.SimpleStatementLine):
                for s in stmt.body:
                    if isinstance(s, cst.ImportFrom) and not isinstance(s.names, cst.ImportStar):
                        for a in s.names:
                            local = a.asname.name.value if a.asname is not None else _module_name(a.name)
                            if local == name:
                                found = ("import", (s, _module_name(a.name)))
        if found is None:
            # `from pkg import sub` where `sub` is a submodule is not a class
            return None
        kind, what = found
        if kind == "class":
            return m, what
        s, original = what
        target = self.absolute(s, _package(m))
        if target is None:
            return None
        return self.resolve(target, original, hops + 1)

    def scan(self, name: str) -> _Scanned | None:
        """A project module's imports, read with Python's own parser (fast: the import graph of a
        real package reaches hundreds of modules; libcst parses only the ones spliced)."""
        if name in self.scans:
            return self.scans[name]
        self.scans[name] = None
        path = self.find(name)
        if path is None:
            return None
        try:
            text = read_file(path).decode("utf-8")
            tree = ast.parse(text, path)
        except (FileError, UnicodeDecodeError, SyntaxError, ValueError, RecursionError, MemoryError):
            return None
        if not is_demo(path):  # (a demo is lgen's own, as its version says)
            self.read[os.path.relpath(path, self.root).replace(os.sep, "/")] = sha256(text)
        package = name if os.path.basename(path) == "__init__.py" else name.rpartition(".")[0]
        imports = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imports += [(node.lineno, a.name) for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                target = _absolute(node.module or "", "." * node.level, package)
                if target is None:
                    continue
                imports.append((node.lineno, target))
                imports += [(node.lineno, f"{target}.{a.name}") for a in node.names if a.name != "*"]
        imports.sort()
        scanned = _Scanned(self.display(path), imports)
        self.scans[name] = scanned
        return scanned

    def lightning_import(self, name: str) -> tuple[str, int] | None:
        """Where importing project module `name` imports Lightning, as (file, line): its packages'
        `__init__.py` run first; any project module it imports is followed. None if nowhere."""
        seen: set[str] = set()
        hit = self._lightning_import(name, seen)
        if hit is None:
            self.clean |= seen  # every module reached was read through: none imports Lightning
        return hit

    def _lightning_import(self, name: str, seen: set[str]) -> tuple[str, int] | None:
        parts = name.split(".")
        for i in range(1, len(parts) + 1):
            mod = ".".join(parts[:i])
            if mod in seen or mod in self.clean:
                continue
            seen.add(mod)
            m = self.scan(mod)
            if m is None:
                continue
            for line, target in m.imports:
                if target.split(".")[0] in LIGHTNING_ROOTS:
                    return m.display, line
                if target not in seen and target not in self.clean and self.find(target) is not None:
                    hit = self._lightning_import(target, seen)
                    if hit is not None:
                        return hit
        return None


@dataclass(frozen=True)
class _Scanned:
    display: str  # the file, as diagnostics name it
    imports: list[tuple[int, str]]  # (line, absolute module) of every import, nested ones included


def _absolute(module: str, dots: str, package: str | None) -> str | None:
    """The absolute module of `from <dots><module> import ...` in `package` (None: above the root)."""
    if not dots:
        return module
    if package is None:
        return None
    parts = package.split(".") if package else []
    up = len(dots) - 1
    if up > len(parts):
        return None
    return ".".join([*parts[: len(parts) - up], *([module] if module else [])]) or None


def _demo_shown(path: str) -> str:
    return f"Lightning 2.6.6's lightning/pytorch/demos/{os.path.basename(path)[: -len('.txt')]}"


def _package(m: _Module) -> str:
    return m.name if m.is_package else m.name.rpartition(".")[0]


def _lightning_only(stmt) -> bool:
    """An import line that names only Lightning (the script drops it, its comments with it)."""
    if not is_import_line(stmt):
        return False
    for s in stmt.body:
        if isinstance(s, cst.Import) and not all(_module_name(a.name).split(".")[0] in LIGHTNING_ROOTS for a in s.names):
            return False
        if isinstance(s, cst.ImportFrom) and (s.relative or s.module is None or _module_name(s.module).split(".")[0] not in LIGHTNING_ROOTS):
            return False
    return True


def is_import_line(stmt) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body)


def _names(node: cst.CSTNode) -> set[str]:
    found: set[str] = set()

    class _V(cst.CSTVisitor):
        def visit_Name(self, n):
            found.add(n.value)

    node.visit(_V())
    return found


def _binds(stmt) -> set[str]:
    """Names a top-level statement binds."""
    if isinstance(stmt, (cst.ClassDef, cst.FunctionDef)):
        return {stmt.name.value}
    out: set[str] = set()
    if isinstance(stmt, cst.SimpleStatementLine):
        for s in stmt.body:
            if isinstance(s, cst.Import):
                for a in s.names:
                    out.add(a.asname.name.value if a.asname is not None else _module_name(a.name).split(".")[0])
            elif isinstance(s, cst.ImportFrom) and not isinstance(s.names, cst.ImportStar):
                for a in s.names:
                    out.add(a.asname.name.value if a.asname is not None else _module_name(a.name))
            elif isinstance(s, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
                targets = [t.target for t in s.targets] if isinstance(s, cst.Assign) else [s.target]
                for t in targets:
                    out |= {n.value for n in _target_names(t)}
    return out


def _block_binds(stmt) -> set[str]:
    """Names a top-level `if` / `try` / `with` / `for` / `while` block binds (`try: import x`
    `except ImportError: x = None`): code that needs one of them needs the whole block."""
    if not isinstance(stmt, (cst.If, cst.Try, cst.TryStar, cst.With, cst.For, cst.While)):
        return set()
    out: set[str] = set()

    class _V(cst.CSTVisitor):
        def visit_SimpleStatementLine(self, node):
            out.update(_binds(node))
            return False

        def visit_FunctionDef(self, node):
            out.add(node.name.value)
            return False

        def visit_ClassDef(self, node):
            out.add(node.name.value)
            return False

        def visit_For(self, node):
            out.update(n.value for n in _target_names(node.target))

        def visit_AsName(self, node):
            out.update(n.value for n in _target_names(node.name))

    stmt.visit(_V())
    return out


def _target_names(t):
    if isinstance(t, cst.Name):
        return [t]
    if isinstance(t, (cst.Tuple, cst.List)):
        return [n for e in t.elements for n in _target_names(e.value)]
    return []


def _is_lightning_class(cls: cst.ClassDef, imports) -> bool:
    # (a user's own `Callback` subclass is spliced as well: the run ejects it)
    return any(qualname(b.value, imports) in (LIGHTNING_MODULE_NAMES | _DATAMODULE_NAMES | _CALLBACK_NAMES) for b in cls.bases)


def _base_class(reader: _Reader, m: _Module, base: cst.BaseExpression) -> tuple[_Module, cst.ClassDef] | None:
    """The project class a base expression of a class in `m` names: a class of `m`, or one `m`
    imports from the project (relatively or absolutely, through re-exports)."""
    if not isinstance(base, cst.Name):
        return None
    for stmt in m.tree.body:
        if isinstance(stmt, cst.ClassDef) and stmt.name.value == base.value:
            return m, stmt
    for stmt in m.tree.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for s in stmt.body:
            if isinstance(s, cst.ImportFrom) and not isinstance(s.names, cst.ImportStar):
                for a in s.names:
                    if (a.asname.name.value if a.asname is not None else _module_name(a.name)) == base.value:
                        target = reader.absolute(s, _package(m))
                        if target is None or (target.split(".")[0] in LIGHTNING_ROOTS and demo_file(target) is None):
                            return None
                        return reader.resolve(target, _module_name(a.name))
    return None


def project_bases(reader: _Reader, m: _Module, cls: cst.ClassDef, found: list | None = None) -> list[tuple[_Module, cst.ClassDef]]:
    """The project classes `cls` derives from (all the way up, each once), bases before the
    classes deriving from them."""
    found = [] if found is None else found
    if len(found) > 64:
        return found
    for b in cls.bases:
        hit = _base_class(reader, m, b.value)
        if hit is None or hit[1] is cls or any(hit[1] is c for _, c in found):
            continue
        project_bases(reader, hit[0], hit[1], found)
        if not any(hit[1] is c for _, c in found):
            found.append(hit)
    return found


def _derives_from_lightning(reader: _Reader, m: _Module, cls: cst.ClassDef) -> bool:
    """A LightningModule / LightningDataModule subclass, directly or through project classes."""
    return _is_lightning_class(cls, m.imports) or any(_is_lightning_class(c, bm.imports) for bm, c in project_bases(reader, m, cls))


def _is_callback(reader: _Reader, m: _Module, cls: cst.ClassDef) -> bool:
    """A Lightning `Callback` subclass, directly or through project classes (the run splices it
    as it splices the callbacks the entry imports)."""
    chain = [(m, cls), *project_bases(reader, m, cls)]
    return any(qualname(b.value, bm.imports) in _CALLBACK_NAMES for bm, c in chain for b in c.bases) and not any(
        qualname(b.value, bm.imports) in (LIGHTNING_MODULE_NAMES | _DATAMODULE_NAMES) for bm, c in chain for b in c.bases
    )


def _mentions_lightning(stmt, imports) -> bool:
    """Whether a statement uses a Lightning name other than one of Lightning's small utilities
    (the rewrite turns those into the script's plain definitions)."""
    for n in _names(stmt):
        q = imports.get(n)
        if q is not None and q.split(".")[0] in LIGHTNING_ROOTS and q not in UTILITIES:
            return True
    return False


def _parse(text: str, path: str) -> cst.Module | None:
    """libcst's tree of a file, or None where Python does not compile it or it is too deep for
    libcst's parser (which overflows its stack on such input: inspect reports it for the entry)."""
    from lgen.inspect import _python_syntax_error, _too_deep_for_libcst

    trees: list = []
    if _python_syntax_error(text, path, trees) is not None or not trees or _too_deep_for_libcst(text, trees[0], []) is not None:
        return None
    return cst.parse_module(text)


def read_project(entry: str, source: str, where: str, root: str | None, class_name: str | None, is_run: bool, datamodule: str | None = None) -> tuple[Project, list[Diagnostic]]:
    """The project around the entry; classes from other files spliced into its text where the
    ejection needs them (a run: every Lightning-derived class the entry imports from the
    project; a model file: the `--class` and the `--datamodule` it imports)."""
    root = find_root(entry, root)
    project = Project(root=root, source=source)
    try:
        tree = _parse(source, where)
    except (cst.ParserSyntaxError, cst.CSTValidationError, RecursionError):
        tree = None
    if tree is None:
        return project, []  # inspect reports it where it is
    cwd = os.getcwd()
    reader = _Reader(entry, root, cwd)
    rel = os.path.relpath(os.path.abspath(entry), root).replace(os.sep, "/")
    entry_name = rel[:-3].replace("/", ".") if rel.endswith(".py") and not rel.startswith("..") else None
    entry_package = entry_name.rpartition(".")[0] if entry_name else None
    entry_imports = import_map(tree)
    diags: list[Diagnostic] = []
    entry_lines = source.splitlines(keepends=True)
    starts = _Module("__main__", entry, source, tree, False).start_lines()

    positions: dict[int, object] = {}  # one position map per file, however many diagnostics

    def at(m_path: str, m_tree: cst.Module, node, code, msg, help="") -> Diagnostic:
        from libcst.metadata import MetadataWrapper, PositionProvider

        if m_path != where:  # its code frame
            project.sources.setdefault(m_path, m_tree.code)
        if id(m_tree) not in positions:
            positions[id(m_tree)] = MetadataWrapper(m_tree, unsafe_skip_copy=True).resolve(PositionProvider)
        r = positions[id(m_tree)].get(node)
        if r is None:
            return Diagnostic(code, msg, m_path, 1, 1, help=help)
        return Diagnostic(code, msg, m_path, r.start.line, r.start.column + 1, r.end.line, r.end.column + 1, help=help)

    # the entry's top-level `from X import Name`: which bring a Lightning-derived class of the project
    splices: dict[int, list[tuple[cst.ImportAlias, _Module, cst.ClassDef]]] = {}
    kept_imports: list[tuple[cst.CSTNode, str]] = []  # project modules the script still imports
    # the entry's `from X import f` where importing X pulls in Lightning: f's definition is carried
    carries: dict[int, list[tuple[str, _Module | None, int | None, str | None]]] = {}  # (local name, module, statement, its name)
    spaces: dict[int, list[tuple[str, dict[str, str]]]] = {}  # the entry's module objects: name -> {attribute: definition}
    # names the entry's own classes derive from: a model class of the entry on a project base
    entry_bases = {b.value.value for c in tree.body if isinstance(c, cst.ClassDef) for b in c.bases if isinstance(b.value, cst.Name)}
    for i, stmt in enumerate(tree.body):
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for s in stmt.body:
            if isinstance(s, cst.Import):
                for a in s.names:
                    kept_imports.append((s, _module_name(a.name)))
                continue
            if not isinstance(s, cst.ImportFrom):
                continue
            target = reader.absolute(s, entry_package)
            if target is None or (target.split(".")[0] in LIGHTNING_ROOTS and demo_file(target) is None) or target == "__future__":
                continue
            if reader.find(target) is None and not any(reader.find(f"{target}.{_module_name(a.name)}") for a in (s.names if not isinstance(s.names, cst.ImportStar) else [])):
                continue  # not the project's
            names = [] if isinstance(s.names, cst.ImportStar) else list(s.names)
            taken = []
            # a project module whose import pulls in Lightning: the names the entry takes from it are
            # carried into the script (its classes derived from Lightning spliced as before)
            def dirty(target=target) -> bool:  # asked only where a name is not a class spliced
                return demo_file(target) is None and reader.find(target) is not None and reader.lightning_import(target) is not None

            if isinstance(s.names, cst.ImportStar) and dirty():
                diags.append(at(where, tree, s, "LGEN128", f"the script would import `{target}`, which imports Lightning ({reader.lightning_import(target)[0]}:{reader.lightning_import(target)[1]}), and `*` names no definition lgen could carry", "import the names the entry uses by name (`from X import a, b`): lgen then copies their definitions into the script"))
                continue
            carried = []
            refused = len(diags)
            for a in names:
                local = a.asname.name.value if a.asname is not None else _module_name(a.name)
                wanted = is_run or local in (class_name, datamodule) or local in entry_bases or demo_file(target) is not None
                hit = reader.resolve(target, _module_name(a.name)) if wanted else None
                # a demo's class: the script cannot import it from Lightning, so it carries it
                lightning = hit is not None and (_derives_from_lightning(reader, *hit) or is_demo(hit[0].path))
                if lightning and a.asname is None and hit[1].name.value == local:
                    taken.append((a, *hit))
                elif lightning:
                    diags.append(at(where, tree, a, "LGEN128", f"`{local}` is `{hit[1].name.value}` of {reader.display(hit[0].path)} under another name; lgen splices the class under its own name", f"import it as `{hit[1].name.value}`"))
                elif dirty():
                    sub = f"{target}.{_module_name(a.name)}"
                    attrs = None
                    if reader.find(sub) is not None and not _binding(reader, target, _module_name(a.name)) and _carries_from(reader, sub):
                        # a module object: the attributes the entry reads of it are carried
                        attrs = _attributes_used(local, [x for x in tree.body if not is_import_line(x)])
                        attrs = attrs if attrs is not None and all(_binding(reader, sub, x) for x in attrs) else None
                    problem = None if attrs is not None else _carry_problem(reader, target, a)
                    if problem:
                        diags.append(at(where, tree, a, "LGEN128", *problem))
                    elif attrs is not None:
                        space = {}
                        for x in attrs:
                            m2, j2, space[x] = _resolve_binding(reader, sub, x)
                            carried.append((f"{local}.{x}", m2, j2, None))
                        spaces.setdefault(i, []).append((local, space))
                        if not attrs:
                            carried.append((local, None, None, None))
                    else:
                        carried.append((local, *_resolve_binding(reader, target, _module_name(a.name))))
                else:
                    kept_imports.append((s, target if reader.find(f"{target}.{_module_name(a.name)}") is None else f"{target}.{_module_name(a.name)}"))
            if len(diags) > refused:
                continue  # told above, name by name
            if carried:
                if len(taken) + len(spaces.get(i, [])) + len([c for c in carried if "." not in c[0] and c[1] is not None]) != len(names) or len(stmt.body) != 1:
                    diags.append(at(where, tree, s, "LGEN128", "this import brings definitions lgen carries into the script together with other names", "import them on a line of their own"))
                    continue
                carries[i] = carried
            if taken:
                if len(taken) + len(spaces.get(i, [])) + len([c for c in carried if "." not in c[0] and c[1] is not None]) != len(names) or len(stmt.body) != 1:
                    diags.append(at(where, tree, s, "LGEN128", "this import brings a class lgen splices into the script together with other names", "import the LightningModule / LightningDataModule class on a line of its own"))
                    continue
                splices[i] = taken
    project.files = []
    if diags:
        project.files = sorted(reader.read.items())
        return project, diags

    # what each spliced class needs from its own module: the module-level statements it uses
    by_file: dict[str, tuple[int, _Module, set[int]]] = {}  # path -> (entry statement, module, statement indexes)
    order: list[str] = []
    problems: list[Diagnostic] = []
    spliced_classes: list[tuple[_Module, cst.ClassDef]] = []  # every class copied in, bases first

    deps: dict[str, set[str]] = {}  # a file's block -> the files whose blocks it uses (placed before it)
    # top-level import lines of a copied file that name a module importing Lightning: (path, index)
    # -> {local name: the name of its definition carried into the script, or None where unused}
    carried_names: dict[tuple[str, int], dict[str, str | dict[str, str] | None]] = {}

    def want(m: _Module, cls, i: int, who: str | None = None) -> None:
        """`cls` (a class spliced, or a definition carried: `who` names it) and what it needs of `m`."""
        if m.path not in by_file:
            by_file[m.path] = (i, m, set())
            order.append(m.path)
        wanted = by_file[m.path][2]
        binders: dict[str, list[int]] = {}
        for j, stmt in enumerate(m.tree.body):
            for n in _binds(stmt) | _block_binds(stmt):
                binders.setdefault(n, []).append(j)
        if who is not None and isinstance(cls, cst.ClassDef) and who == cls.name.value and _is_callback(reader, m, cls):
            # a Callback subclass the copied code uses (`configure_callbacks`): spliced, bases first
            for bm, c in [*project_bases(reader, m, cls), (m, cls)]:
                if not any(c is x for _, x in spliced_classes):
                    spliced_classes.append((bm, c))
                    want(bm, c, i)
                    if bm is not m:
                        deps.setdefault(m.path, set()).add(bm.path)
            return
        if who is not None and m.tree.body.index(cls) not in wanted:
            if isinstance(cls, cst.ClassDef) and _derives_from_lightning(reader, m, cls):
                problems.append(at(reader.display(m.path), m.tree, cls.name, "LGEN128", f"`{who}` is `{cls.name.value}`, a Lightning class lgen would have to carry into the script; lgen splices the classes the entry imports", "import that class in the entry too, by its own name from the module that defines it"))
            elif not is_import_line(cls) and _mentions_lightning(cls, m.imports):
                node = cls.name if isinstance(cls, (cst.FunctionDef, cst.ClassDef)) else cls
                base = next((q for b in (cls.bases if isinstance(cls, cst.ClassDef) else []) for q in [qualname(b.value, m.imports)] if q and q.split(".")[0] in LIGHTNING_ROOTS), None)
                if base is not None:  # (a Callback, LightningModule or LightningDataModule is told above)
                    problems.append(at(reader.display(m.path), m.tree, node, "LGEN128", f"the script needs `{who}` of {reader.display(m.path)}, a subclass of Lightning's `{base}`, whose behaviour the script does not reproduce", "make it plain PyTorch (a `Callback` subclass of your own is spliced), or keep it out of the code the run uses"))
                else:
                    problems.append(at(reader.display(m.path), m.tree, node, "LGEN128", f"the script needs `{who}` of {reader.display(m.path)}, a module that imports Lightning, and it uses Lightning itself", "make it plain PyTorch, or move it into the LightningModule class"))
        if who is not None:
            cls = m.tree.body[m.tree.body.index(cls)]
            name = who
        else:
            name = cls.name.value
        frontier = [m.tree.body.index(cls)]
        while frontier:
            j = frontier.pop()
            if j in wanted:
                continue
            wanted.add(j)
            stmt = m.tree.body[j]
            if stmt is not cls and not is_import_line(stmt):
                if isinstance(stmt, cst.ClassDef) and any(stmt is c for _, c in spliced_classes):
                    pass  # a base of the class, copied in too
                elif isinstance(stmt, cst.ClassDef) and _is_callback(reader, m, stmt):
                    # a Callback subclass of the module the copied code uses: spliced with its bases
                    for bm, c in [*project_bases(reader, m, stmt), (m, stmt)]:
                        if not any(c is x for _, x in spliced_classes):
                            spliced_classes.append((bm, c))
                            if bm is not m:
                                want(bm, c, i)
                                deps.setdefault(m.path, set()).add(bm.path)
                elif isinstance(stmt, cst.ClassDef) and _is_lightning_class(stmt, m.imports):
                    problems.append(at(reader.display(m.path), m.tree, stmt, "LGEN128", f"`{name}` uses `{stmt.name.value}`, another Lightning class of its module; lgen splices the classes the entry imports", "import that class in the entry too, or move it into the class"))
                elif _mentions_lightning(stmt, m.imports):
                    problems.append(at(reader.display(m.path), m.tree, stmt, "LGEN128", f"`{name}` needs this code of {reader.display(m.path)}, which uses Lightning outside the class", "move it into the class, or make it plain PyTorch"))
            for n in _names(stmt):
                for k in binders.get(n, []):
                    if k not in wanted:
                        frontier.append(k)
        if isinstance(cls, cst.ClassDef) and any(isinstance(b.value, cst.Name) and b.value.value != "object" and qualname(b.value, m.imports) not in (LIGHTNING_MODULE_NAMES | _DATAMODULE_NAMES) and _base_class(reader, m, b.value) is None and _base_is_project(reader, m, b.value) for b in cls.bases):
            problems.append(at(reader.display(m.path), m.tree, cls, "LGEN111", f"`{cls.name.value}` has a base class of the project lgen cannot find", "import the base class by its name from the module that defines it"))

    for i in sorted(splices):
        for alias, m0, cls0 in splices[i]:
            for m, cls in [*project_bases(reader, m0, cls0), (m0, cls0)]:
                if any(cls is c for _, c in spliced_classes):
                    continue
                spliced_classes.append((m, cls))
                want(m, cls, i)
                if m is not m0:
                    deps.setdefault(m0.path, set()).add(m.path)
    for i in sorted(carries):
        for local, m, j, _ in carries[i]:
            if m is not None:
                want(m, m.tree.body[j], i, local)
    # the names copied code imports from project modules that import Lightning: carried too
    changed = True
    while changed and not problems:
        changed = False
        for path in list(order):
            i0, m, wanted = by_file[path]
            used = set().union(*(_refs(m.tree.body[k]) for k in wanted if not is_import_line(m.tree.body[k])))
            for j in sorted(wanted):
                s = m.tree.body[j]
                if not is_import_line(s):
                    continue
                for small in s.body:
                    if not isinstance(small, cst.ImportFrom):
                        continue
                    if not isinstance(small.names, cst.ImportStar) and all(
                        _imports_spliced(reader, m, s, a.asname.name.value if a.asname is not None else _module_name(a.name), spliced_classes) for a in small.names
                    ):
                        continue  # only classes copied into the script
                    target = reader.absolute(small, _package(m))
                    if not _carries_from(reader, target):
                        continue
                    if isinstance(small.names, cst.ImportStar):
                        problems.append(at(reader.display(m.path), m.tree, small, "LGEN128", f"the script would import `{target}`, which imports Lightning, and `*` names no definition lgen could carry", "import the names this module uses by name (`from X import a, b`): lgen then copies their definitions into the script"))
                        continue
                    names = carried_names.setdefault((path, j), {})
                    for a in small.names:
                        local = a.asname.name.value if a.asname is not None else _module_name(a.name)
                        if local in names and (names[local] is not None or local not in used):
                            continue
                        if _imports_spliced(reader, m, s, local, spliced_classes):
                            continue  # a class copied into the script
                        if local not in used:
                            names[local] = None
                            continue
                        sub = f"{target}.{_module_name(a.name)}"
                        if reader.find(sub) is not None and not _binding(reader, target, _module_name(a.name)) and _carries_from(reader, sub):
                            # a module object (`from . import utils`, then `utils.f(...)`): the
                            # attributes used are carried, and the name is a namespace of them
                            attrs = _attributes_used(local, [m.tree.body[k] for k in wanted if not is_import_line(m.tree.body[k])])
                            if attrs is None or not all(_binding(reader, sub, x) for x in attrs):
                                problems.append(at(reader.display(m.path), m.tree, a, "LGEN128", *_carry_problem(reader, target, a)))
                                names[local] = None
                                continue
                            space = {}
                            for x in attrs:
                                m2, j2, space[x] = _resolve_binding(reader, sub, x)
                                want(m2, m2.tree.body[j2], i0, f"{local}.{x}")
                                if m2.path != path:
                                    deps.setdefault(path, set()).add(m2.path)
                            names[local] = space
                            changed = True
                            continue
                        problem = _carry_problem(reader, target, a)
                        if problem:
                            problems.append(at(reader.display(m.path), m.tree, a, "LGEN128", *problem))
                            names[local] = None
                            continue
                        m2, j2, defname = _resolve_binding(reader, target, _module_name(a.name))
                        names[local] = defname
                        want(m2, m2.tree.body[j2], i0, local)
                        if m2.path != path:
                            deps.setdefault(path, set()).add(m2.path)
                        changed = True
    if problems:
        project.files = sorted(reader.read.items())
        return project, problems

    # build the combined text: each file's block replaces the first entry import that needs it
    out: list[str] = []
    line = 1  # next line of the combined text
    entry_line = 1  # next line of the entry
    replaced = {name for i in splices for a, _, _ in splices[i] for name in [_module_name(a.name)]}
    replaced |= {local.split(".")[0] for i in carries for local, *_ in carries[i]}
    entry_binds: dict[str, str] = {k: v for k, v in entry_imports.items() if k not in replaced}
    top_level = set().union(*(_binds(s) for s in tree.body)) - replaced if tree.body else set()
    placed = {}
    origin: dict[str, str] = {}  # a name a copied file defines -> that file
    place = {p: by_file[p][0] for p in order}
    for path in _ordered(order, deps, place):
        placed.setdefault(place[path], []).append(path)
    for i, stmt in enumerate(tree.body):
        if i not in placed and i not in carries:
            continue
        begin = starts[i]
        end = starts[i + 1] if i + 1 < len(starts) else begin + tree.code_for_node(stmt).count("\n")
        # the entry up to this statement (its leading comments kept), then the mark
        chunk = "".join(entry_lines[entry_line - 1 : begin - 1])
        lead = len(stmt.leading_lines)
        chunk += "".join(entry_lines[begin - 1 : begin - 1 + lead])
        out.append(chunk)
        line += chunk.count("\n")
        was = cst.Module(body=[]).code_for_node(stmt.with_changes(leading_lines=[])).strip().replace("\n", " ")
        if i not in placed:  # what it names is carried above already
            out.append(f"# lgen: was {was}\n")
            line += 1
        for path in placed.get(i, []):
            _, m, wanted = by_file[path]
            shown = _demo_shown(m.path) if is_demo(m.path) else os.path.relpath(m.path, root).replace(os.sep, "/")
            ms = m.start_lines()
            # Lightning's imports first: the script drops them, and the mark must stay
            pieces = sorted(wanted, key=lambda j: (not _lightning_only(m.tree.body[j]), j))
            marked = False
            for j in pieces:
                s = m.tree.body[j]
                if not marked and not _lightning_only(s):
                    first = path == placed[i][0]  # the entry's import, told once
                    out.append(f"# lgen: was {was}\n# --- from {shown} ---\n" if first else f"# --- from {shown} ---\n")
                    line += 2 if first else 1
                    marked = True
                gone = {n for n in _binds(s) if is_import_line(s) and _imports_spliced(reader, m, s, n, spliced_classes)}
                gone |= set(carried_names.get((path, j), {}))
                if is_demo(m.path) and is_import_line(s) and not _lightning_only(s):
                    # Lightning's demo module imports more than the copied classes use
                    used = set().union(*(_refs(m.tree.body[k]) for k in wanted if not is_import_line(m.tree.body[k])))
                    unused = {n for n in _binds(s) if n not in used} - gone
                    if unused == _binds(s) - gone and not gone:
                        continue
                    if unused:
                        s = _drop_names(s, unused)
                if gone:  # the import of a class copied into the script: the class is defined above
                    text = _without(s, m, reader, gone, carried_names.get((path, j), {}))
                    n_lines = text.count("\n")
                    project.blocks.append(Block(line, n_lines, reader.display(m.path), ms[j]))
                    out.append(text)
                    line += n_lines
                    continue
                problem = _conflict(s, m, reader, entry_binds, top_level)
                clash = [n for n in _binds(s) if not is_import_line(s) and origin.get(n, m.path) != m.path]
                if clash:  # two files copied into the script define one name
                    problem = f"`{clash[0]}` is defined here and in {reader.display(origin[clash[0]])}, both copied into the script"
                if problem:
                    problems.append(at(reader.display(m.path), m.tree, s, "LGEN128", problem, "rename one of them"))
                    continue
                if is_import_line(s) and all(n in entry_binds and _same_object(entry_binds[n], _absolute_q(s, n, m, reader)) for n in _binds(s)):
                    continue  # the entry imports it already, the same way
                text = _piece(s, m, reader)
                for n in _binds(s):
                    if is_import_line(s):
                        entry_binds.setdefault(n, _absolute_q(s, n, m, reader))
                    else:
                        top_level.add(n)
                        origin.setdefault(n, m.path)
                n_lines = text.count("\n")
                project.blocks.append(Block(line, n_lines, reader.display(m.path), ms[j]))
                out.append(text)
                line += n_lines
            following = tree.body[i + 1] if i + 1 < len(tree.body) else None
            if following is not None and not _lightning_only(following) and path == placed[i][-1]:
                out.append(f"# --- end of {shown} ---\n")
                line += 1
        for local, _, _, defname in carries.get(i, []):  # a definition the entry imports under another name
            if defname is not None and local != defname:
                out.append(f"{local} = {defname}  # lgen: was {was}\n")
                line += 1
        for local, space in spaces.get(i, []):  # a module object: a namespace of what is used of it
            fields = ", ".join(f"{x}={d}" for x, d in sorted(space.items()))
            out.append(f"import types  # lgen: was {was}\n{local} = types.SimpleNamespace({fields})  # lgen: was {was}\n")
            line += 2
        project.shifts.append((line, end))
        entry_line = end
    out.append("".join(entry_lines[entry_line - 1 :]))
    if problems:
        project.files = sorted(reader.read.items())
        return project, problems
    if splices or carries:
        project.source = "".join(out)
        project.spliced = True
        for path in order:
            m = by_file[path][1]
            project.sources[reader.display(m.path)] = m.text

    # the project modules the script still imports must not import Lightning
    for node, target in kept_imports:
        if reader.find(target) is None:
            continue
        hit = reader.lightning_import(target)
        if hit is not None:
            diags.append(at(where, tree, node, "LGEN128", f"the script would import `{target}`, which imports Lightning ({hit[0]}:{hit[1]})", "import the names the entry uses from it by name (`from X import f`): lgen then copies their definitions into the script"))
    for path in order:
        _, m, wanted = by_file[path]
        for j in sorted(wanted):
            s = m.tree.body[j]
            gone = carried_names.get((path, j), {})
            for small in _imports_in(s):
                if isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar) and all(
                    (a.asname.name.value if a.asname is not None else _module_name(a.name)) in gone
                    or _imports_spliced(reader, m, s, a.asname.name.value if a.asname is not None else _module_name(a.name), spliced_classes)
                    for a in small.names
                ):
                    continue  # only classes copied into the script and definitions carried: not imported
                if isinstance(small, cst.ImportFrom):
                    targets = [reader.absolute(small, _package(m))]
                else:
                    targets = [_module_name(a.name) for a in small.names]
                for target in targets:
                    if target and reader.find(target) is not None and target.split(".")[0] not in LIGHTNING_ROOTS:
                        hit = reader.lightning_import(target)
                        if hit is not None:
                            fix = "import the names it uses from that module by name, at the top of its file (`from X import f`): lgen then copies their definitions into the script"
                            diags.append(at(reader.display(m.path), m.tree, small, "LGEN128", f"the script would import `{target}`, which imports Lightning ({hit[0]}:{hit[1]})", fix))
    project.files = sorted(reader.read.items())
    return project, diags


def _attributes_used(name: str, stmts: list) -> list[str] | None:
    """The attributes read of `name` (`name.f(...)`, `name.X`) in these statements, or None where
    `name` is used otherwise too (passed around, assigned, rebound)."""
    attrs: set[str] = set()
    as_value: set[int] = set()
    total = [0]

    other: set[int] = set()  # names that are not reads of a variable: `x.name`, `def name`, `name=`

    class _V(cst.CSTVisitor):
        def visit_Attribute(self, n):
            other.add(id(n.attr))
            if isinstance(n.value, cst.Name) and n.value.value == name:
                attrs.add(n.attr.value)
                as_value.add(id(n.value))

        def visit_FunctionDef(self, n):
            other.add(id(n.name))

        def visit_ClassDef(self, n):
            other.add(id(n.name))

        def visit_Arg(self, n):
            if n.keyword is not None:
                other.add(id(n.keyword))

        def visit_Name(self, n):
            if n.value == name and id(n) not in other:
                total[0] += 1

    for s in stmts:
        s.visit(_V())
    return sorted(attrs) if total[0] == len(as_value) else None


def _imports_in(stmt) -> list:
    """Every import statement in a top-level statement, nested ones (in functions, `try`) included."""
    found: list = []

    class _V(cst.CSTVisitor):
        def visit_Import(self, n):
            found.append(n)

        def visit_ImportFrom(self, n):
            found.append(n)

    stmt.visit(_V())
    return found


def _resolve_binding(reader: _Reader, module: str, name: str, hops: int = 0) -> tuple[_Module, int, str]:
    """The top-level statement of a project module that binds `name` as `from module import name`
    reaches it: re-exports through modules that import Lightning followed to the definition (a
    re-export from a module that does not stays that import). (module, statement index, the
    name it binds)."""
    m = reader.module(module)
    # (a name bound in a top-level `if` / `try` block, `if _X_AVAILABLE: TABLE = ...`, is the block)
    last = max(j for j, stmt in enumerate(m.tree.body) if name in _binds(stmt) | _block_binds(stmt))
    stmt = m.tree.body[last]
    if hops < _MAX_HOPS and is_import_line(stmt):
        for s in stmt.body:
            if isinstance(s, cst.ImportFrom) and not isinstance(s.names, cst.ImportStar):
                for a in s.names:
                    if (a.asname.name.value if a.asname is not None else _module_name(a.name)) == name:
                        target = reader.absolute(s, _package(m))
                        if _carries_from(reader, target) and reader.find(f"{target}.{_module_name(a.name)}") is None and _binding(reader, target, _module_name(a.name)):
                            return _resolve_binding(reader, target, _module_name(a.name), hops + 1)
    return m, last, name


def _carries_from(reader: _Reader, target: str | None) -> bool:
    """A project module whose import pulls in Lightning."""
    return bool(target) and (target.split(".")[0] not in LIGHTNING_ROOTS or demo_file(target) is not None) and reader.find(target) is not None and reader.lightning_import(target) is not None


def _binding(reader: _Reader, module: str, name: str) -> bool:
    m = reader.module(module)
    return m is not None and any(name in _binds(stmt) | _block_binds(stmt) for stmt in m.tree.body)


def _carry_problem(reader: _Reader, target: str, a: cst.ImportAlias) -> tuple[str, str] | None:
    """Why `from target import <a>` cannot be carried into the script (target imports Lightning)."""
    name = _module_name(a.name)
    hit = reader.lightning_import(target)
    if reader.find(f"{target}.{name}") is not None and not _binding(reader, target, name):
        return (
            f"`{name}` is the module `{target}.{name}`, which imports Lightning ({hit[0]}:{hit[1]}); lgen carries what is read of such a module as `{name}.f`, and this one is used otherwise too",
            f"import the names used from it by name (`from {target}.{name} import f`): lgen then copies their definitions into the script",
        )
    if not _binding(reader, target, name):
        return (
            f"the script would import `{name}` from `{target}`, which imports Lightning ({hit[0]}:{hit[1]}), and lgen finds no top-level definition of `{name}` there to carry",
            f"define `{name}` at the top level of the module, or import it from a module that does not import Lightning",
        )
    return None


def _ordered(order: list[str], deps: dict[str, set[str]], place: dict[str, int]) -> list[str]:
    """The files' blocks, each after the blocks it uses (a cycle kept in first-needed order); a
    block used by one placed earlier in the entry moves up with it (`place` updated)."""
    changed = True
    while changed:
        changed = False
        for p in order:
            for d in deps.get(p, ()):
                if d in place and place[d] > place[p]:
                    place[d] = place[p]
                    changed = True
    out: list[str] = []
    seen: set[str] = set()

    def visit(p: str) -> None:
        if p in seen:
            return
        seen.add(p)
        for d in sorted(deps.get(p, ()), key=order.index):
            if d in place:
                visit(d)
        out.append(p)

    for p in order:
        visit(p)
    return out


def _refs(node: cst.CSTNode) -> set[str]:
    """The names a statement reads (not the attribute names of `a.b`)."""
    found: set[str] = set()
    attrs: set[int] = set()

    class _V(cst.CSTVisitor):
        def visit_Attribute(self, n):
            attrs.add(id(n.attr))

        def visit_Name(self, n):
            if id(n) not in attrs:
                found.add(n.value)

    node.visit(_V())
    return found


def _drop_names(stmt, names: set[str]):
    body = []
    for s in stmt.body:
        if isinstance(s, (cst.Import, cst.ImportFrom)) and not isinstance(s.names, cst.ImportStar):
            keep = [a for a in s.names if (a.asname.name.value if a.asname is not None else (_module_name(a.name) if isinstance(s, cst.ImportFrom) else _module_name(a.name).split(".")[0])) not in names]
            if keep:
                keep[-1] = keep[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
                body.append(s.with_changes(names=keep))
        else:
            body.append(s)
    return stmt.with_changes(body=body)


def _imports_spliced(reader: _Reader, m: _Module, stmt, name: str, spliced) -> bool:
    hit = _base_class(reader, m, cst.Name(name))
    return hit is not None and any(hit[1] is c for _, c in spliced)


def _without(stmt, m: _Module, reader: _Reader, gone: set[str], carried: dict[str, str | None] | None = None) -> str:
    """An import line without the names of classes copied into the script (marked), or only its
    mark where nothing is left; as many lines as it had."""
    body = []
    for s in stmt.body:
        if isinstance(s, cst.ImportFrom) and not isinstance(s.names, cst.ImportStar):
            names = [a for a in s.names if (a.asname.name.value if a.asname is not None else _module_name(a.name)) not in gone]
            if names:
                names[-1] = names[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
                body.append(s.with_changes(names=names, lpar=None, rpar=None) if len(names) == 1 and s.lpar else s.with_changes(names=names))
        else:
            body.append(s)
    was = " ".join(cst.Module(body=[]).code_for_node(stmt.with_changes(leading_lines=[], trailing_whitespace=cst.TrailingWhitespace())).split())
    lines = m.tree.code_for_node(stmt).count("\n")
    if body:
        kept = stmt.with_changes(body=body, leading_lines=[], trailing_whitespace=cst.TrailingWhitespace())
        text = _piece(kept, m, reader).rstrip("\n").split("  # lgen: was")[0] + f"  # lgen: was {was}\n"
    else:
        text = ""
    # a class imported under another name: that name, bound to the class copied above
    for s in stmt.body:
        if isinstance(s, cst.ImportFrom) and not isinstance(s.names, cst.ImportStar):
            for a in s.names:
                if a.asname is not None and a.asname.name.value in gone and a.asname.name.value != _module_name(a.name):
                    hit = _base_class(reader, m, cst.Name(a.asname.name.value))
                    if hit is not None:
                        text += f"{a.asname.name.value} = {hit[1].name.value}  # lgen: was {was}\n"
    # a definition carried into the script, imported here under another name
    for local, defname in (carried or {}).items():
        if isinstance(defname, dict):  # a module object: a namespace of what is used of it
            fields = ", ".join(f"{x}={d}" for x, d in sorted(defname.items()))
            text += f"import types  # lgen: was {was}\n{local} = types.SimpleNamespace({fields})  # lgen: was {was}\n"
        elif defname is not None and local != defname:
            text += f"{local} = {defname}  # lgen: was {was}\n"
    text = text or f"# lgen: was {was}\n"
    return text + "\n" * max(0, lines - text.count("\n"))


def _base_is_project(reader: _Reader, m: _Module, base: cst.Name) -> bool:
    q = m.imports.get(base.value)
    if q is None:
        # a relative import, or a class of the same module
        return any(isinstance(s, cst.SimpleStatementLine) and any(isinstance(x, cst.ImportFrom) and x.relative and not isinstance(x.names, cst.ImportStar) and any((a.asname.name.value if a.asname else _module_name(a.name)) == base.value for a in x.names) for x in s.body) for s in m.tree.body)
    mod, _, name = q.rpartition(".")
    return bool(mod) and reader.find(mod) is not None


def _conflict(stmt, m: _Module, reader: _Reader, entry_binds: dict[str, str], top_level: set[str]) -> str | None:
    for n in _binds(stmt):
        if is_import_line(stmt):
            q = _absolute_q(stmt, n, m, reader)
            if n in entry_binds and not _same_object(entry_binds[n], q):
                return f"`{n}` here is `{q}`, but the entry binds `{n}` to `{entry_binds[n]}`"
            if n not in entry_binds and n in top_level:
                return f"`{n}` is imported here and defined in the entry too"
        elif n in top_level or n in entry_binds:
            return f"`{n}` is defined here and in the entry too"
    return None


def _same_object(a: str, b: str) -> bool:
    """Two qualified names of one object: equal, or two of Lightning's spellings of one of its
    classes or utilities (`pytorch_lightning.Callback`, `pytorch_lightning.callbacks.Callback`)."""
    if a == b:
        return True
    for names in (LIGHTNING_MODULE_NAMES, _DATAMODULE_NAMES, _CALLBACK_NAMES):
        if a in names and b in names and a.split(".")[0] == b.split(".")[0]:
            return True
    return a in UTILITIES and b in UTILITIES and UTILITIES[a] == UTILITIES[b] and a.split(".")[0] == b.split(".")[0]


def _absolute_q(stmt, name: str, m: _Module, reader: _Reader) -> str:
    for s in stmt.body:
        if isinstance(s, cst.ImportFrom) and s.relative and not isinstance(s.names, cst.ImportStar):
            for a in s.names:
                if (a.asname.name.value if a.asname else _module_name(a.name)) == name:
                    return f"{reader.absolute(s, _package(m))}.{_module_name(a.name)}"
    return m.imports.get(name, name)


def _piece(stmt, m: _Module, reader: _Reader) -> str | None:
    """A statement's text for the script: a relative import made absolute (marked), nested ones
    (`try: from .fast import f` in a carried block) included: left relative, the script's import
    would fail and an `except ImportError` branch run instead."""
    if isinstance(stmt, cst.SimpleStatementLine):
        return m.tree.code_for_node(_absolute_line(stmt, m, reader))
    if any(isinstance(s, cst.ImportFrom) and s.relative for s in _imports_in(stmt)):

        class _T(cst.CSTTransformer):
            def leave_SimpleStatementLine(self, original, updated):
                return _absolute_line(updated, m, reader)

        stmt = stmt.visit(_T())
    return m.tree.code_for_node(stmt)


def _absolute_line(stmt: cst.SimpleStatementLine, m: _Module, reader: _Reader) -> cst.SimpleStatementLine:
    """A line's relative imports made absolute, marked."""
    if any(isinstance(s, cst.ImportFrom) and s.relative and reader.absolute(s, _package(m)) for s in stmt.body):
        body = []
        for s in stmt.body:
            target = reader.absolute(s, _package(m)) if isinstance(s, cst.ImportFrom) and s.relative else None
            if target:
                body.append(s.with_changes(relative=[], module=cst.parse_expression(target)))
            else:
                body.append(s)
        was = cst.Module(body=[]).code_for_node(stmt.with_changes(leading_lines=[], trailing_whitespace=cst.TrailingWhitespace())).strip().split(" import ")[0]
        stmt = stmt.with_changes(body=body, trailing_whitespace=cst.TrailingWhitespace(whitespace=cst.SimpleWhitespace("  "), comment=cst.Comment(f"# lgen: was {was}")))
    return stmt
