"""The pipeline: read -> inspect -> plan -> rewrite -> render -> format. Pure: it writes nothing."""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass, field, replace

import libcst as cst

from lgen import __version__
from lgen.diagnostics import Diagnostic
from lgen.format import FormatError, format_script
from lgen.inspect import _python_syntax_error, deepest_position, inspect_model, too_deep
from lgen.options import Flags
from lgen.plan import make_plan
from lgen.project import find_root, is_import_line, module_of, read_project
from lgen.render import render
from lgen.run import read_run, run_flags
from lgen.rewrite import PARSE_OPTIONS, rewrite_module
from lgen.vendor import FileError, command_arg, make_header, parse_header, read_file, sha256

STDLIB = ("argparse", "collections.abc", "contextlib", "csv", "dataclasses", "enum", "functools", "importlib.metadata", "importlib.util", "inspect", "logging", "math", "numbers", "os", "pathlib", "pickle", "random", "re", "shutil", "signal", "socket", "subprocess", "sys", "threading", "warnings")
# where the user's module goes in the rendered templates; what follows it is black-stable
_MODEL_SLOT = "\x00lgen-model-module\x00"


@dataclass
class Result:
    text: str | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    usage_error: str | None = None
    source: str | None = None
    # the other files' texts diagnostics may point into (code frames), by their diagnostic path
    sources: dict[str, str] = field(default_factory=dict)


class UsageError(Exception):
    pass


def read_source(path: str) -> str:
    """The model's text, decoded as Python decodes it: a UTF-8 BOM, else a coding cookie, else UTF-8."""
    import io
    import tokenize

    try:
        data = read_file(path, "the model's .py file")
    except FileError as e:
        raise UsageError(str(e))
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as e:
        raise UsageError(f"{path}: {e.msg}")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        if encoding in ("utf-8", "utf-8-sig"):
            raise UsageError(f"{path}: is not UTF-8 text (byte {e.start}); save it as UTF-8")
        raise UsageError(f"{path}: is not valid {encoding} text (byte {e.start}), the encoding its coding line declares")
    except LookupError:
        raise UsageError(f"{path}: declares an unknown encoding {encoding!r}")


def _eject(
    path: str,
    flags: Flags,
    class_name: str | None,
    *,
    display_path: str,
    command: list[str],
    script_name: str,
    diag_path: str | None = None,
    given: frozenset[str] | None = None,
    datamodule: str | None = None,
    root: str | None = None,
    datamodule_shown: str | None = None,
) -> Result:
    """`display_path` names the model in the script's header (relative to the script's folder);
    `diag_path` in diagnostics (as the user reached it; default `display_path`). `command` is the
    recorded command's options other than the flags; `given` names the flags the user gave
    (None: every flag that differs from Lightning's default) — in a run they override the
    Trainer's arguments, and only they are recorded. `datamodule` is `--datamodule [FILE.py:]NAME`
    as reached from here; `datamodule_shown`, as recorded (FILE from the script's folder)."""
    try:
        source = read_source(path)
    except UsageError as e:
        return Result(usage_error=str(e))
    where = diag_path or display_path
    # the project around the entry: classes it imports from the user's other files are spliced in
    entry_run = read_run(where, source)
    project_source, dm_name = source, datamodule
    if datamodule is not None:
        dm_file, _, dm_name = datamodule.rpartition(":")
        if entry_run[0] is not None:
            return Result(usage_error=f"--datamodule {datamodule}: the run in {where} gives `fit` its data; --datamodule pairs a model file with a datamodule")
        if not dm_name.isidentifier():
            return Result(usage_error=f"--datamodule {datamodule}: `{dm_name}` is not a class name")
        if dm_file and os.path.realpath(dm_file) != os.path.realpath(path):
            # a datamodule in another file: read as if the entry imported it (at its end, so
            # every line of the entry keeps its number); the project stage splices the class in
            if not os.path.isfile(dm_file):
                return Result(usage_error=f"--datamodule {datamodule}: no file {dm_file}")
            module = module_of(path, root, dm_file)
            if module is None:
                return Result(
                    usage_error=f"--datamodule {datamodule}: {where} cannot import {dm_file} (it is neither under the entry's folder nor under the project root {find_root(path, root)}); give --root"
                )
            problem = _datamodule_problem(datamodule, dm_file, dm_name, module, source, where)
            if problem:
                return Result(usage_error=problem)
            if not _imports(source, module, dm_name):
                project_source = source + ("" if source.endswith("\n") else "\n") + f"from {module} import {dm_name}\n"
    project, project_diags = read_project(path, project_source, where, root, class_name, entry_run[0] is not None, dm_name)
    if project_source is not source:
        # the import lgen read in the entry's stead is marked as what it is, the option
        mark = f"# lgen: was from {module} import {dm_name}\n"
        at = project.source.rfind(mark)
        if at >= len(source):
            project.source = f"{project.source[:at]}# lgen: --datamodule {datamodule_shown or datamodule}\n{project.source[at + len(mark):]}"
    if any(d.is_error for d in project_diags):
        return Result(diagnostics=project_diags, source=source, sources=project.sources)
    result = _eject_text(
        path, source, entry_run, project, flags, class_name, display_path=display_path, command=command, script_name=script_name, where=where, given=given, datamodule=datamodule, datamodule_shown=datamodule_shown or datamodule
    )
    if project.spliced:
        result.diagnostics = [project.locate(d) for d in result.diagnostics]
        result.source, result.sources = source, project.sources
    result.diagnostics = project_diags + result.diagnostics
    return result


def _eject_text(path, entry_text, entry_run, project, flags, class_name, *, display_path, command, script_name, where, given, datamodule, datamodule_shown) -> Result:
    """The pipeline on the entry's text with the project's classes spliced in. `entry_run` is
    the run read off the entry alone: it stands unless classes were spliced in."""
    diag_path = where
    source = project.source
    run, diags = read_run(where, source) if project.spliced else entry_run
    diags = list(diags)
    if any(d.is_error for d in diags):
        return Result(diagnostics=diags, source=source)
    flag_args = flags.cli_args()
    if run is not None:
        if class_name is None:
            class_name = run.model_class
        elif run.model_class not in (None, class_name):
            return Result(usage_error=f"--class {class_name}: the run in {where} fits a `{run.model_class}`", source=source)
        flags, flag_diags = run_flags(where, run, flags, given)
        diags += flag_diags
        if any(d.is_error for d in diags):
            return Result(diagnostics=diags, source=source)
        flag_args = flags.cli_args(given if given is not None else frozenset(f for f in Flags.__dataclass_fields__ if getattr(flags, f) != getattr(Flags(), f)))
    facts, inspect_diags, usage = inspect_model(where, source, class_name, run.module if run is not None else None)
    diags += inspect_diags
    if usage:
        return Result(usage_error=usage, source=source)
    if facts is None or any(d.is_error for d in diags):
        return Result(diagnostics=diags, source=source)
    dm_cls = None
    if datamodule is not None:
        dm_cls, usage = _find_datamodule(facts, datamodule, run, where)
        if usage:
            return Result(usage_error=usage, source=source)
    plan, plan_diags = make_plan(facts, flags, run, dm_cls)
    diags += plan_diags
    if plan is None or any(d.is_error for d in diags):
        return Result(diagnostics=diags, source=source)
    if plan.logs and not plan.torchmetrics and _mentions_torchmetrics(project):
        # a project file the model reaches (a metric factory, a Metric subclass) uses torchmetrics
        plan = replace(plan, torchmetrics=True)
    module, tail, rewrite_diags, utilities = rewrite_module(facts, plan, run)
    diags += rewrite_diags
    if module is None or any(d.is_error for d in diags):
        return Result(diagnostics=diags, source=source)

    future, body = [], []
    plain_imports: set[str] = set()
    statements = list(module.body)
    if run is not None and run.module_level:
        # A run at module level: the script's loop functions must exist before it runs, so
        # the entry's leading imports come first and the rest of its code ends the script,
        # after the loop (with the script's options read first).
        lead = 0
        while lead < len(statements) and is_import_line(statements[lead]):
            lead += 1
        rest = statements[lead:]
        statements = statements[:lead]
        tail = [cst.parse_statement(PARSE_OPTIONS), *rest, *tail]
    for stmt in statements:
        if isinstance(stmt, cst.SimpleStatementLine) and any(
            isinstance(s, cst.ImportFrom) and isinstance(s.module, cst.Name) and s.module.value == "__future__" for s in stmt.body
        ):
            future.append(stmt)
            continue
        if isinstance(stmt, cst.SimpleStatementLine):
            for s in stmt.body:
                if isinstance(s, cst.Import):
                    plain_imports |= {a.name.value for a in s.names if isinstance(a.name, cst.Name) and a.asname is None}
        body.append(stmt)
    model_module = module.with_changes(body=body, header=[]).code.strip("\n")
    future_text = "".join(cst.Module(body=[s]).code for s in future)
    uses_contextlib = plan.sanity_check or plan.half or bool(plan.services & {"toggled_optimizer", "toggle_model"})
    needed = {"argparse", "math", "os", "pickle", "random", "sys"} | ({"contextlib"} if uses_contextlib else set())
    needed |= {"numbers"} if plan.logs else set()
    if plan.stage_enum:
        needed.add("enum")  # Lightning's TrainerFn, the stage setup/teardown get
    if plan.run is not None and plan.run.seed_workers:
        needed.add("functools")  # Lightning's worker_init_fn, bound to the rank
    if plan.run is not None and plan.run.logger:
        needed |= {"csv", "importlib.util"} | ({"enum"} if plan.run.log_hparams or plan.run.logger_class else set())
        if plan.run.logger_class:
            needed |= {"warnings"}  # CSVLogger's warning for a used folder
            needed |= {"collections.abc"} if plan.run.logger_arg else set()  # Lightning's configure_logger
        else:
            # the default logger, a TensorBoardLogger where tensorboard is installed
            needed |= {"collections.abc", "dataclasses", "importlib.metadata"}
    if plan.run is not None and plan.run.callbacks:
        needed |= {"pathlib", "re", "shutil", "warnings"} if "ModelCheckpoint" in plan.run.callbacks else set()
    if plan.run is not None and plan.run.eval_ckpt:
        needed.add("warnings")  # Lightning's warning for `ckpt_path="last"` without a last checkpoint
        needed |= {"re"} if plan.run.checkpointing else set()
    if plan.run is not None and plan.run.verbose_methods:
        needed.add("shutil")  # the results table is as wide as the terminal, as Lightning's
    if plan.ddp and plan.run is not None:
        needed |= {"signal", "socket", "subprocess", "threading"}  # the script starts the other ranks
    if plan.signature_at_run_time:
        needed.add("inspect")  # the script reads a decorated step's signature as Lightning does
    if "unknown" in plan.step_returns:
        needed.add("collections.abc")  # the script reads training_step's output as Lightning does
    # Lightning's utilities come before the user's code (and its imports): what they use as they
    # are defined is imported first, even where the user's code imports it too
    early = {"functools", "os"} if utilities & {"rank_zero_only", "rank_zero_info", "rank_zero_warn", "rank_zero_debug"} else set()
    early |= {"logging"} if utilities & {"rank_zero_info", "rank_zero_debug"} else set()
    needed |= early | ({"warnings"} if "rank_zero_warn" in utilities else set())
    needed |= {"collections.abc"} if "config_hparams" in utilities else set()  # save_hyperparameters(config)
    needed |= {"inspect"} if "init_hparams" in utilities else set()  # save_hyperparameters() off the frames
    needed |= {"inspect", "warnings"} if "load_from_checkpoint" in utilities else set()
    needed |= {"re"} if "get_torchvision_model" in utilities else set()
    if utilities & {"_TORCHVISION_AVAILABLE", "RequirementCache", "get_torchvision_model"}:
        early |= {"importlib.metadata", "importlib.util"}
        needed |= early
    if utilities & {"package_available", "module_available", "compare_version"}:
        # (`module_available` and `compare_version` import modules: `import importlib.util` binds
        # `importlib` too; functools.lru_cache caches the first two as lightning_utilities does)
        early |= {"importlib.metadata"} if "compare_version" in utilities else set()
        early |= {"functools", "importlib.util"} if utilities & {"package_available", "module_available"} else set()
        needed |= early
    stdlib = [n for n in STDLIB if n in needed and (n not in plain_imports or n in early)]
    text = render(
        plan,
        header="",
        model_module=_MODEL_SLOT,
        future_imports=future_text,
        script_name=script_name,
        flags=flags,
        stdlib_imports=stdlib,
        import_torch="torch" not in plain_imports,
        utilities=utilities,
    )
    before, after = text.split(_MODEL_SLOT)
    if tail:
        # the entry's own main guard (or its module-level run) ends the script; black formats
        # the whole of it
        entry = "".join(cst.Module(body=[s]).code for s in tail)
        body_text = format_script(before + model_module + after + "\n\n" + entry)
    else:
        body_text = format_script(before + model_module, after)
    full_command = ["lgen", "eject", command_arg(display_path), "--class", facts.class_name, *command, *(["--datamodule", datamodule_shown] if datamodule else []), *flag_args]
    if run is not None:
        hashed = entry_text  # a run: the whole entry
    elif project.spliced:
        hashed = entry_text  # the class is another file's: the entry's import of it too
    else:
        hashed = "".join(facts.module.code_for_node(c) for c in facts.chain or [facts.cls])  # the model class with its bases of the file
    header = make_header(__version__, display_path, facts.class_name, full_command, sha256(hashed), body_text, project.files)
    if facts.memo["ast_depth"] > _CHECK_DEPTH and _python_syntax_error(body_text, script_name) is not None:
        # the model compiles, but nested one level deeper in the script it would not
        return Result(diagnostics=[too_deep(diag_path, *deepest_position(source))], source=source)
    text = header + body_text
    # black writes nothing it has not verified: the whole text, header included, parses, and
    # the header reads back as written
    parsed = parse_header(text)
    if parsed is None or parsed.command != full_command or parsed.source != display_path:
        raise FormatError(f"the script's header does not read back as written:\n{header}")
    try:
        compile(text, script_name, "exec", dont_inherit=True, flags=ast.PyCF_ONLY_AST)
    except (SyntaxError, ValueError) as e:
        raise FormatError(f"the generated script does not parse: {e}") from None
    return Result(text=text, diagnostics=diags, source=source)


def _mentions_torchmetrics(project) -> bool:
    """Whether one of the project's other files the ejection read mentions torchmetrics."""
    for under, _ in project.files:
        try:
            text = read_file(os.path.join(project.root, under)).decode("utf-8", "replace")
        except FileError:
            continue
        if "torchmetrics" in text:
            return True
    return False


def _datamodule_problem(spec: str, file: str, name: str, module: str, source: str, where: str) -> str | None:
    """Why `--datamodule FILE.py:NAME` cannot name a class of FILE for the entry (a usage error), if it cannot."""
    try:
        other = ast.parse(read_source(file), file)
    except (UsageError, SyntaxError, ValueError) as e:
        return f"--datamodule {spec}: {file} does not parse: {e}"
    if not any(isinstance(s, ast.ClassDef) and s.name == name for s in other.body):
        return f"--datamodule {spec}: {file} defines no class `{name}` at its top level"
    try:
        entry = ast.parse(source)
    except (SyntaxError, ValueError):
        return None  # inspect reports it where it is
    for s in entry.body:
        bound = [(a.asname or a.name).split(".")[0] for a in s.names] if isinstance(s, (ast.Import, ast.ImportFrom)) else [s.name] if isinstance(s, (ast.ClassDef, ast.FunctionDef)) else []
        if name in bound and not _imports(source, module, name, [s]):
            return f"--datamodule {spec}: {where}:{s.lineno} binds `{name}` itself; give --datamodule {name}, or rename one of them"
    return None


def _imports(source: str, module: str, name: str, body: list | None = None) -> bool:
    """Whether the entry's top level (or `body`) holds `from MODULE import NAME`, by those names."""
    try:
        body = ast.parse(source).body if body is None else body
    except (SyntaxError, ValueError):
        return False
    return any(isinstance(s, ast.ImportFrom) and s.level == 0 and s.module == module and any(a.name == name and a.asname is None for a in s.names) for s in body)


def _find_datamodule(facts, spec: str, run, where: str):
    """The class `--datamodule [FILE.py:]NAME` names, read statically (the project stage spliced
    a class of another file into the entry's text); (class, usage error)."""
    from lgen.run import _is_datamodule

    file, _, name = spec.rpartition(":")
    cls = next((s for s in facts.module.body if isinstance(s, cst.ClassDef) and s.name.value == name), None)
    if cls is None:
        if file and os.path.realpath(file) != os.path.realpath(where):
            return None, f"--datamodule {spec}: {file} defines no LightningDataModule subclass `{name}` at its top level"
        return None, f"--datamodule {name}: {where} defines no class `{name}` at its top level"
    if not _is_datamodule(cls, facts.imports):
        return None, f"--datamodule {spec}: `{name}` is not a LightningDataModule subclass"
    return cls, None


# a model this deep has its script compiled under Python's default limit before it is written
_CHECK_DEPTH = 200


# Deep but valid Python (`x + x + ...` with thousands of terms, a long attribute chain) is as deep
# in libcst's tree, which libcst's native parser, lgen's visitors and black walk recursively. The
# pipeline runs on a thread with a large stack under a raised recursion limit; Python's compiler
# and inspect.LIBCST_MAX_DEPTH bound the depth of what reaches libcst well within both.
_DEEP_STACK = 1024 * 1024 * 1024  # address space; only the pages a deep walk touches are used
_DEEP_RECURSION = 100_000


def eject(
    path: str,
    flags: Flags,
    class_name: str | None,
    *,
    display_path: str,
    command: list[str],
    script_name: str,
    diag_path: str | None = None,
    given: frozenset[str] | None = None,
    datamodule: str | None = None,
    root: str | None = None,
    datamodule_shown: str | None = None,
) -> Result:
    """The pipeline on a thread with a deep stack; the arguments are `_eject`'s."""
    import sys
    import threading

    outcome: list = []
    limit = sys.getrecursionlimit()

    def work():
        try:
            sys.setrecursionlimit(max(limit, _DEEP_RECURSION))
            outcome.append(("ok", _eject(path, flags, class_name, display_path=display_path, command=command, script_name=script_name, diag_path=diag_path, given=given, datamodule=datamodule, root=root, datamodule_shown=datamodule_shown)))
        except RecursionError:
            outcome.append(("deep", None))
        except BaseException as e:  # re-raised on the caller's thread
            outcome.append(("raise", e))
        finally:
            sys.setrecursionlimit(limit)

    old = threading.stack_size()
    try:
        threading.stack_size(_DEEP_STACK)  # read when the thread starts
        thread = threading.Thread(target=work, name="lgen-eject", daemon=True)
        thread.start()
    except (RuntimeError, ValueError, MemoryError):  # no such stack here: the caller's own
        thread = None
    finally:
        threading.stack_size(old)
    if thread is None:
        work()
    else:
        thread.join()
    kind, value = outcome[0]
    if kind == "raise":
        raise value
    if kind == "ok":
        return value
    try:
        source = read_source(path)
    except UsageError:
        source = None
    line, col = deepest_position(source) if source is not None else (1, 1)
    return Result(diagnostics=[too_deep(diag_path or display_path, line, col)], source=source)

