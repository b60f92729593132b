"""The `lgen` command: arguments in, exit code out. Printing happens here and only here.

Exit codes, as black's: 0 written / up to date, 1 diagnostics or drift, 2 usage error,
123 internal error.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated, Optional

import typer

from lgen import __version__

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Eject a Lightning model into a standalone, plain-PyTorch training script.",
    pretty_exceptions_enable=False,
)

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 123


def _version(value: bool):
    if value:
        typer.echo(f"lgen {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
):
    """Eject a Lightning model into a standalone, plain-PyTorch training script."""


def _err(message: str) -> None:
    typer.echo(message, err=True)


def _usage(message: str) -> typer.Exit:
    _err(f"error: {message}")
    return typer.Exit(EXIT_USAGE)


def _posix(path: str) -> str:
    return path.replace(os.sep, "/")


@app.command()
def eject(
    ctx: typer.Context,
    model: Annotated[str, typer.Argument(help="The model file (read, never imported or executed).", show_default=False)],
    class_name: Annotated[Optional[str], typer.Option("--class", help="The LightningModule subclass to eject, when the file has several.")] = None,
    datamodule: Annotated[Optional[str], typer.Option("--datamodule", help="[FILE.py:]NAME: fit on this LightningDataModule, built as NAME() (a model file without a run).", show_default=False)] = None,
    root: Annotated[Optional[str], typer.Option("--root", help="The project root the entry's own imports are read under. Default: the nearest folder above the entry with pyproject.toml, setup.py, setup.cfg or .git, else the entry's folder.", show_default=False)] = None,
    output: Annotated[Optional[str], typer.Option("-o", "--output", help="Write the script here (atomically) instead of to stdout.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the output even if it was edited since lgen wrote it.")] = False,
    check: Annotated[bool, typer.Option("--check", help="Write nothing; exit 1 if the output would change.")] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Write nothing; print a unified diff of what would change.")] = False,
    max_epochs: Annotated[Optional[int], typer.Option("--max-epochs", help="Trainer(max_epochs). Default: 1000 when no limit is given.")] = None,
    max_steps: Annotated[int, typer.Option("--max-steps", help="Trainer(max_steps); -1 for no limit.")] = -1,
    accumulate_grad_batches: Annotated[int, typer.Option("--accumulate-grad-batches", help="Trainer(accumulate_grad_batches).")] = 1,
    gradient_clip_val: Annotated[Optional[str], typer.Option("--gradient-clip-val", help="Trainer(gradient_clip_val).", show_default=False)] = None,
    gradient_clip_algorithm: Annotated[Optional[str], typer.Option("--gradient-clip-algorithm", help="norm or value.", show_default=False)] = None,
    precision: Annotated[str, typer.Option("--precision", help="32-true, 16-mixed, bf16-mixed or bf16-true.")] = "32-true",
    strategy: Annotated[str, typer.Option("--strategy", help="auto or ddp.")] = "auto",
    devices: Annotated[Optional[int], typer.Option("--devices", help="Number of devices (processes under ddp).", show_default=False)] = None,
    accelerator: Annotated[str, typer.Option("--accelerator", help="auto, cpu or cuda: the script's default device.")] = "auto",
    num_sanity_val_steps: Annotated[int, typer.Option("--num-sanity-val-steps", help="Validation batches run before training; -1 for all.")] = 2,
    check_val_every_n_epoch: Annotated[str, typer.Option("--check-val-every-n-epoch", help="Validate every N epochs; 'none' to count batches across epochs.")] = "1",
    limit_train_batches: Annotated[str, typer.Option("--limit-train-batches", help="An int (batches) or a float (fraction).")] = "1.0",
    limit_val_batches: Annotated[str, typer.Option("--limit-val-batches", help="An int (batches) or a float (fraction).")] = "1.0",
    val_check_interval: Annotated[Optional[str], typer.Option("--val-check-interval", help="An int (batches) or a float (fraction of an epoch).", show_default=False)] = None,
):
    """Write a plain-PyTorch training script that does what `Trainer.fit` does for MODEL."""
    from lgen.options import PRECISION_ALIASES, FlagError, Flags, parse_int_or_float, validate

    try:
        flags = Flags(
            max_epochs=max_epochs,
            max_steps=max_steps,
            accumulate_grad_batches=accumulate_grad_batches,
            gradient_clip_val=None if gradient_clip_val is None else parse_int_or_float("gradient_clip_val", gradient_clip_val, "a number (the clipping threshold)"),
            gradient_clip_algorithm=None if gradient_clip_algorithm is None else gradient_clip_algorithm.lower(),
            precision=PRECISION_ALIASES.get(precision, precision),
            strategy=strategy,
            devices=devices,
            accelerator=accelerator,
            num_sanity_val_steps=num_sanity_val_steps,
            check_val_every_n_epoch=None if check_val_every_n_epoch.lower() == "none" else _int("check_val_every_n_epoch", check_val_every_n_epoch),
            limit_train_batches=parse_int_or_float("limit_train_batches", limit_train_batches),
            limit_val_batches=parse_int_or_float("limit_val_batches", limit_val_batches),
            val_check_interval=None if val_check_interval is None else parse_int_or_float("val_check_interval", val_check_interval),
        )
        validate(flags)
        if strategy not in ("auto", "ddp"):
            raise FlagError(f"--strategy takes auto or ddp, not {strategy!r}")
        if accelerator not in ("auto", "cpu", "cuda"):
            raise FlagError(f"--accelerator takes auto, cpu or cuda, not {accelerator!r}")
    except FlagError as e:
        raise _usage(str(e))
    if (check or diff) and output is None:
        raise _usage("--check and --diff compare with an existing output: give -o OUT.py")
    # the flags given on the command line (in a run they override the Trainer's arguments);
    # compared by name: typer may carry its own copy of click
    given = frozenset(f for f in Flags.__dataclass_fields__ if getattr(ctx.get_parameter_source(f), "name", None) == "COMMANDLINE")
    code = _run_eject(model, class_name, output, flags, force=force, check=check, diff=diff, given=given, datamodule=datamodule, root=root)
    raise typer.Exit(code)


def _int(name: str, text: str) -> int:
    from lgen.options import FlagError

    try:
        return int(text)
    except ValueError:
        raise FlagError(f"--{name.replace('_', '-')} takes an int or 'none', not {text!r}")


def _generate(model: str, class_name, output, flags, given=None, datamodule=None, root=None):
    import gc

    from lgen.pipeline import eject as run_pipeline

    # diagnostics name the model as the user reaches it from here; the header, from the script
    here = _posix(os.path.relpath(os.path.abspath(model)) if os.path.isabs(model) else os.path.normpath(model))
    if output is not None:
        out_dir = os.path.dirname(os.path.abspath(output))
        display = _posix(os.path.relpath(os.path.abspath(model), out_dir))
        command = ["-o", os.path.basename(output)]
        script_name = os.path.basename(output)
    else:
        display = here
        command = []
        script_name = "train.py"
    if root is not None:
        # recorded as reached from the script's folder, as the model is
        base = os.path.dirname(os.path.abspath(output)) if output is not None else os.getcwd()
        command = [*command, "--root", _posix(os.path.relpath(os.path.abspath(root), base))]
    # Everything alive now (typer, libcst, black, jinja2, lgen) lives until the process ends.
    # Frozen, it is left out of the collector's full passes, which libcst's short-lived trees
    # trigger again and again (~45 ms of a 300-line eject); unfrozen after, so a caller that
    # runs lgen in process keeps the usual collector.
    shown = datamodule
    if datamodule is not None and ":" in datamodule and output is not None:
        # `--datamodule FILE.py:NAME` is recorded with FILE as reached from the script's folder
        file, _, name = datamodule.rpartition(":")
        shown = f"{_posix(os.path.relpath(os.path.abspath(file), os.path.dirname(os.path.abspath(output))))}:{name}"
    gc.freeze()
    try:
        return run_pipeline(model, flags, class_name, display_path=display, command=command, script_name=script_name, diag_path=here, given=given, datamodule=datamodule, root=root, datamodule_shown=shown)
    finally:
        gc.unfreeze()


def _report(result) -> int:
    """Print diagnostics; return the exit code they imply (or 0)."""
    from lgen.diagnostics import Diagnostics, render, summary

    if result.usage_error:
        _err(f"error: {result.usage_error}")
        return EXIT_USAGE
    diags = Diagnostics()
    diags.extend(result.diagnostics)
    lines = result.source.splitlines() if result.source else None
    others = {p: t.splitlines() for p, t in getattr(result, "sources", {}).items()}
    for d in diags.sorted():
        _err(render(d, others.get(d.path, lines)))
    if diags.items:
        _err(summary(diags))
    return EXIT_FINDINGS if diags.errors else EXIT_OK


def _output_problem(model: str, output: str) -> str | None:
    """Why `-o output` cannot be written for `model`, in one line, or None. Checked before the
    eject, so a usage error costs nothing and the model file is never at risk."""
    import stat

    from lgen import vendor

    if output.endswith(("/", os.sep)) or os.path.basename(output) in ("", ".", ".."):
        return f"-o {output}: names a folder; give the script's file name, e.g. {os.path.join(output, 'train.py')}"
    folder = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(folder):
        what = "is not a folder" if os.path.exists(folder) else "does not exist"
        return f"-o {output}: its folder {os.path.dirname(output) or folder} {what}"
    try:
        st = os.stat(output, follow_symlinks=False)
    except FileNotFoundError:
        return None
    except OSError as e:
        return f"-o {output}: {e.strerror}"
    if stat.S_ISLNK(st.st_mode):
        # Deliberately refused: written through, the script would live in another folder than
        # the one its header's command is relative to; replaced, the link would be lost.
        return f"-o {output}: is a symbolic link (to {os.readlink(output)}); give the file it points to"
    if stat.S_ISDIR(st.st_mode):
        return f"-o {output}: is a directory; give the script's file name"
    if not stat.S_ISREG(st.st_mode):
        return f"-o {output}: is not a regular file ({vendor.kind(st.st_mode)})"
    try:
        model_st = os.stat(model)
    except OSError:
        return None  # reading the model reports it
    if (model_st.st_dev, model_st.st_ino) == (st.st_dev, st.st_ino):
        return f"-o {output}: is the model file itself; the script must not replace its model"
    return None


def _run_eject(model, class_name, output, flags, *, force, check, diff, given=None, datamodule=None, root=None) -> int:
    from lgen import vendor

    for name, path in (("the model's path", model), ("-o", output or "")):
        bad = vendor.unprintable(path)
        if bad is not None:
            _err(
                f"error: {name} {path!r} holds {bad!r}, which cannot be recorded on the script's one-line header; "
                "rename it"
            )
            return EXIT_USAGE
    if output is not None:
        problem = _output_problem(model, output)
        if problem:
            _err(f"error: {problem}")
            return EXIT_USAGE
    result = _generate(model, class_name, output, flags, given, datamodule, root)
    code = _report(result)
    if code != EXIT_OK or result.text is None:
        return code or EXIT_FINDINGS
    new = result.text
    if output is None:
        sys.stdout.write(new)
        return EXIT_OK
    old = None
    if os.path.lexists(output):
        try:
            old = vendor.read_file(output, "the script's file name").decode("utf-8", errors="replace")
        except vendor.FileError as e:
            _err(f"error: -o {e}")
            return EXIT_USAGE
    if check or diff:
        same = old is not None and vendor.comparable(old) == vendor.comparable(new)
        if diff and not same:
            import difflib

            sys.stdout.writelines(
                difflib.unified_diff(
                    (old or "").splitlines(keepends=True), new.splitlines(keepends=True), f"{output} (current)", f"{output} (ejected now)"
                )
            )
        if check:
            _err(f"{output} is up to date" if same else f"would re-eject {output}")
            return EXIT_OK if same else EXIT_FINDINGS
        return EXIT_OK
    vendor.remove_stale_temp(output)
    if old is not None and old == new:
        _err(f"{output} is up to date")
        return EXIT_OK
    if old is not None and not force and vendor.edited_since_generated(old):
        _err(
            f"error: {output} was changed since lgen wrote it (or lgen did not write it); nothing written.\n"
            "  = help: move your edits into the model file and re-eject, or pass --force to replace it"
        )
        return EXIT_FINDINGS
    try:
        vendor.atomic_write(output, new)
    except OSError as e:
        _err(f"error: -o {output}: cannot write: {e.strerror or e}")
        return EXIT_USAGE
    _err(f"wrote {output}")
    return EXIT_OK


@app.command("check")
def check_cmd(
    paths: Annotated[list[str], typer.Argument(help="Generated scripts, or folders to search for them.", show_default=False)],
):
    """Re-run the `lgen eject` recorded in each script's header and report the scripts that drifted."""
    from lgen import vendor

    files: list[tuple[str, str]] = []
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, names in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for n in sorted(names):
                    f = os.path.join(root, n)
                    # a FIFO, socket or device named *.py is not a script: skipped, never opened
                    if n.endswith(".py") and os.path.isfile(f):
                        text = _read_script(f)
                        if vendor.parse_header(text) is not None:
                            files.append((f, text))
        elif os.path.lexists(p):
            files.append((p, _read_script(p)))
        else:
            raise _usage(f"{p}: no such file or directory")
    drifted = 0
    for f, text in files:
        header = vendor.parse_header(text)
        if header is None:
            _err(f"{f}: not a script written by lgen (no lgen header)")
            drifted += 1
            continue
        status = _check_one(f, text, header)
        if status:
            _err(f"{f}: {status}")
            drifted += 1
    n = len(files)
    _err(f"{drifted} of {n} script{'s' if n != 1 else ''} drifted" if drifted else f"{n} script{'s' if n != 1 else ''} up to date")
    raise typer.Exit(EXIT_FINDINGS if drifted else EXIT_OK)


def _read_script(path: str) -> str:
    from lgen import vendor

    try:
        return vendor.read_file(path, "a generated .py script").decode("utf-8", errors="replace")
    except vendor.FileError as e:
        raise _usage(str(e))


def _check_one(path: str, text: str, header) -> str | None:
    import click

    from lgen import vendor

    args = header.command[2:] if header.command[:2] == ["lgen", "eject"] else None
    if args is None:
        return "its header does not record an `lgen eject` command"
    cmd = typer.main.get_command(app).commands["eject"]
    folder = os.path.dirname(os.path.abspath(path))
    cwd = os.getcwd()
    try:
        os.chdir(folder)
        try:
            ctx = cmd.make_context("eject", list(args), resilient_parsing=False)
        except (click.exceptions.ClickException, getattr(typer, "TyperException", click.exceptions.ClickException)) as e:
            # typer >= 0.2x vendors click: its usage errors are not click's classes
            return f"its recorded command no longer parses ({e.format_message()})"
        params = ctx.params
        import io
        from contextlib import redirect_stderr

        buf = io.StringIO()
        with redirect_stderr(buf):
            try:
                ctx.invoke(cmd.callback, **{**params, "check": True, "diff": False, "force": False})
            except (typer.Exit, click.exceptions.Exit) as e:
                code = e.exit_code
            else:
                code = 0
        if code == EXIT_OK:
            return None
        if code == EXIT_FINDINGS and "would re-eject" in buf.getvalue():
            if vendor.edited_since_generated(text):
                return "drifted: edited by hand since lgen wrote it; move the edits into the model, then re-run the command in its header with --force"
            return "drifted: the model or lgen changed since it was ejected; re-run the command in its header"
        return "cannot be re-ejected:\n" + buf.getvalue().rstrip()
    finally:
        os.chdir(cwd)



@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def verify(
    ctx: typer.Context,
    entry: Annotated[str, typer.Argument(help="The run's entry (or a model file), as for `lgen eject`.", show_default=False)],
    steps: Annotated[int, typer.Option("--steps", help="Compare this many optimizer steps.")] = 20,
    seed: Annotated[Optional[int], typer.Option("--seed", help="The seed of both sides (a run: replaces its seed_everything; a model file: default 0).", show_default=False)] = None,
    atol: Annotated[float, typer.Option("--atol", help="Accept floating differences up to this (0: bit-exact; e.g. for mixed precision).")] = 0.0,
    args: Annotated[str, typer.Option("--args", help="Arguments for the entry's own command line (both sides), one string.")] = "",
    script: Annotated[Optional[str], typer.Option("--script", hidden=True, help="TESTING ONLY: compare with this script instead of ejecting ENTRY.")] = None,
    keep: Annotated[Optional[str], typer.Option("--keep", hidden=True, help="Keep the two run folders and logs in this folder.")] = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Stop a side (all its ranks) that runs longer than this many seconds.")] = 600.0,
):
    """Run the Lightning run and the ejected script side by side for N optimizer steps and compare
    the loss, gradients, parameters, optimizer and scheduler states and callback_metrics after every
    step. Other options are `lgen eject`'s. Exit 0 match, 1 divergence (or refused ejection), 2 usage."""
    import shlex

    from lgen import verify as verifying

    if steps < 1:
        raise _usage("--steps takes a positive number of optimizer steps")
    if atol < 0:
        raise _usage("--atol takes a number >= 0")
    if timeout <= 0:
        raise _usage("--timeout takes a positive number of seconds")
    eject_cmd = typer.main.get_command(app).commands["eject"]
    extra = list(ctx.args)
    for bad in ("-o", "--output", "--check", "--diff", "--force"):
        if bad in extra:
            raise _usage(f"verify writes nothing: {bad} is an `lgen eject` option it does not take")
    try:
        sub = eject_cmd.make_context("eject", [entry, *extra], resilient_parsing=False)
    except Exception as e:  # click's or typer's usage error
        message = e.format_message() if hasattr(e, "format_message") else str(e)
        raise _usage(message)
    params = sub.params
    from lgen.options import Flags

    given = frozenset(f for f in Flags.__dataclass_fields__ if getattr(sub.get_parameter_source(f), "name", None) == "COMMANDLINE")
    missing = verifying.lightning_missing(sys.executable)
    if missing:
        _err(f"error: {missing}; verify runs the Lightning run to compare with it\n  = help: {verifying.INSTALL_HINT}")
        raise typer.Exit(EXIT_USAGE)
    import io
    import tempfile
    from contextlib import redirect_stderr

    with tempfile.TemporaryDirectory(prefix="lgen-eject-") as tmp:
        out = os.path.join(tmp, "train.py")
        buf = io.StringIO()
        with redirect_stderr(buf):
            try:
                sub.invoke(eject_cmd.callback, **{**params, "output": out, "check": False, "diff": False, "force": True})
            except (typer.Exit, click_exit()) as e:
                code = e.exit_code
            else:
                code = EXIT_OK
        shown = [line for line in buf.getvalue().splitlines() if line != f"wrote {out}"]
        if shown:
            _err("\n".join(shown))
        if code != EXIT_OK or not os.path.exists(out):
            raise typer.Exit(code or EXIT_FINDINGS)
        with open(out, encoding="utf-8") as f:
            text = f.read()
    warnings = sorted({w for line in shown for w in line.split() if w.startswith("LGEN5")})
    if script is not None:
        try:
            with open(script, encoding="utf-8") as f:
                text = f.read()
        except OSError as e:
            raise _usage(f"--script {script}: {e.strerror}")
    from lgen import vendor

    header = vendor.parse_header(text)
    class_name = header.class_name if header else params["class_name"]
    try:
        outcome = verifying.run(
            entry,
            text,
            class_name=class_name,
            # a run's script reads its options as the entry does; so does a model file's with
            # `--datamodule` (whose Lightning side is still contract §3's fit)
            is_run=params["datamodule"] is None and "\ndef parse_options(" in text,
            flags=verifying.flags_from_params(params),
            given=given,
            datamodule=params["datamodule"],
            root=params["root"],
            steps=steps,
            seed=seed,
            atol=atol,
            args=shlex.split(args),
            warnings=warnings,
            keep=keep,
            timeout=timeout,
        )
    except verifying.VerifyUsage as e:
        raise _usage(str(e))
    for line in outcome.lines:
        typer.echo(line)
    if os.environ.get("LGEN_VERIFY_TIMINGS"):
        _err(" ".join(f"{k}={v:.3f}s" for k, v in outcome.timings.items()))
    raise typer.Exit(outcome.code)


def click_exit():
    import click

    return click.exceptions.Exit

@app.command()
def explain(code: Annotated[str, typer.Argument(help="A diagnostic code, e.g. LGEN202.", show_default=False)]):
    """Print the longer story behind a diagnostic code."""
    from lgen.diagnostics import CODES, explain as explain_code

    text = explain_code(code)
    if text is None:
        raise _usage(f"unknown code {code!r}; known codes: {', '.join(sorted(CODES))}")
    typer.echo(text, nl=False)


def main() -> None:
    try:
        rv = app(standalone_mode=False)
    except SystemExit:
        raise
    except Exception as e:  # click usage errors and internal errors
        import click

        # typer >= 0.2x vendors click: its usage errors derive from typer.TyperException
        if isinstance(e, (click.exceptions.ClickException, getattr(typer, "TyperException", click.exceptions.ClickException))):
            e.show() if hasattr(e, "show") else _err(f"error: {e.format_message()}")
            sys.exit(EXIT_USAGE)
        if isinstance(e, (click.exceptions.Abort, typer.Abort)):
            _err("aborted")
            sys.exit(EXIT_FINDINGS)
        if os.environ.get("LGEN_TRACEBACK"):
            raise
        _err(
            f"lgen {__version__}: internal error: {type(e).__name__}: {e}\n"
            "This is a bug in lgen, not in your model. Please report it with the model file and the command;\n"
            "set LGEN_TRACEBACK=1 to see the traceback."
        )
        sys.exit(EXIT_INTERNAL)
    if isinstance(rv, int):
        sys.exit(rv)
    sys.exit(EXIT_OK)
