"""A fork server ("zygote"): ``python ARGS`` run as a forked child of a warm interpreter.

The equivalence tests run hundreds of short ``python SCRIPT`` processes (the Lightning side,
the ejected script, ``python -m lgen eject``). Most of each one's time is ``import torch`` /
``import lightning``. A zygote is one long-lived helper process that has imported only those
modules -- no CUDA initialisation, no tensor op, no thread: it refuses to serve if it holds more
than its one thread -- and forks one child per run. The child then makes itself what a fresh
``python ARGS`` would be:

* its own session (a timeout kills its whole process group, as ``harness._run`` does);
* stdin from /dev/null, stdout and stderr into files that the caller reads back as text;
* the requested working directory and the requested environment (``os.environ`` is replaced,
  so ``putenv`` sees it too), plus what the preloaded imports set in it (torch sets
  ``TORCHINDUCTOR_CACHE_DIR``), as a fresh process's own imports would;
* the random generators that those imports seed from the OS (``random``, numpy's global
  ``RandomState``, torch's default CPU generator) reseeded from the OS, as each fresh process's
  are (every run being tested seeds them itself anyway);
* ``sys.argv`` and ``sys.path[0]`` as CPython sets them for ``python SCRIPT ...`` (the script's
  directory) or ``python -m MODULE ...`` (the working directory);
* the script runs as ``__main__`` through ``runpy``; its end is CPython's: the traceback of an
  uncaught exception (without the zygote's frames), ``SystemExit``'s exit code or message,
  thread joins, ``atexit`` callbacks, open files flushed -- but not the teardown of every
  imported module, which costs about 0.9 s of CPU after ``import torch`` and leaves nothing
  behind (see ``_exit``). The caller gets the exit status (negative: killed by that signal),
  like ``Popen.returncode``.

The zygote runs ``gc.freeze()`` before it serves, so that a child's garbage collections skip
the zygote's objects instead of copying every page that holds one.

What a zygote cannot change after it started is what CPython and the preloaded modules read
from the environment at start-up (``PYTHONHASHSEED``, ``PYTHONPATH``, ``OMP_NUM_THREADS``, ...).
So a zygote serves only requests whose environment equals the one it was started with (apart
from ``PYTEST_CURRENT_TEST``, which pytest changes per test); another environment gets another
zygote. Each preload set gets its own zygote too, so that a generated script (which imports
only torch) never runs with Lightning imported. Where the environment leaves ``PYTHONHASHSEED``
unset (plain ``python -m lgen`` runs), a fresh process draws a hash seed of its own while the
children of one zygote share theirs; tests/test_vendor.py checks lgen's output across hash
seeds with fresh processes.

``LGEN_TEST_FRESH_PROCESSES=1`` turns all of this off: every run is a fresh ``python``.
Distributed runs (torchrun, Lightning's own launcher) and GPU runs never come here.
tests/test_zygote.py checks that forked and fresh runs give identical results.
"""

from __future__ import annotations

import atexit
import gc
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings

#: environment variables that may differ between a zygote's start and a request
ENV_IGNORED = frozenset({"PYTEST_CURRENT_TEST"})


def _threads() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return -1


# --------------------------------------------------------------------------- server side
#
# Run as ``python zygote.py MODULE...``: import the modules, report readiness, then read one
# JSON request per line on stdin; for each, fork a child and report {"pid"} then {"returncode"}.


def _serve(preload: list[str]):
    """Serve requests; return the request in a forked child, None in the server at EOF."""
    import importlib

    ctrl_in = os.fdopen(os.dup(0), "rb")
    ctrl_out = os.fdopen(os.dup(1), "wb", buffering=0)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)  # anything the imports print goes to the zygote's log, not the control pipe

    def reply(**msg) -> None:
        ctrl_out.write(json.dumps(msg).encode() + b"\n")

    start_env = dict(os.environ)
    for name in preload:
        importlib.import_module(name)
    # what the imports did to the environment (torch sets TORCHINDUCTOR_CACHE_DIR), which a
    # fresh process's imports would do to its own
    env_changes = {k: v for k, v in os.environ.items() if start_env.get(k) != v}
    env_removed = [k for k in start_env if k not in os.environ]
    torch = sys.modules.get("torch")
    cuda = bool(torch is not None and torch.cuda.is_initialized())
    threads = _threads()
    # Keep the collector in the children off the zygote's objects (garbage collected first): a
    # collection would otherwise touch, and so copy, every page the imports wrote.
    gc.collect()
    gc.freeze()
    reply(ready=threads == 1 and not cuda, threads=threads, cuda=cuda, pid=os.getpid())
    if threads != 1 or cuda:
        return None

    for line in ctrl_in:
        request = json.loads(line)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            ctrl_in.close()
            ctrl_out.close()
            request["env"].update(env_changes)
            for k in env_removed:
                request["env"].pop(k, None)
            return request
        reply(pid=pid)
        _, status, usage = os.wait4(pid, 0)
        reply(returncode=os.waitstatus_to_exitcode(status), cpu_s=usage.ru_utime + usage.ru_stime)
    return None


def _become(request: dict) -> None:
    """In the forked child: turn into ``python ARGS``, run it, and exit as CPython would."""
    import runpy

    os.setsid()
    for fd, path, flags in (
        (0, os.devnull, os.O_RDONLY),
        (1, request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
        (2, request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
    ):
        new = os.open(path, flags, 0o644)
        os.dup2(new, fd)
        os.close(new)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    # The generators that a fresh process seeds from the OS when the preloaded modules import
    # them: every child would otherwise start from the zygote's one state.
    if "random" in sys.modules:
        sys.modules["random"].seed()
    if "numpy.random" in sys.modules:
        sys.modules["numpy.random"].seed()
    if "torch" in sys.modules:
        sys.modules["torch"].default_generator.seed()
    args = request["args"]
    code, interrupted = 0, False
    try:
        if args[0] == "-m":  # python -m MODULE ARGS
            sys.argv = ["-m", *args[2:]]  # runpy puts the module's file in argv[0]
            sys.path[0] = os.getcwd()
            runpy.run_module(args[1], run_name="__main__", alter_sys=True)
        else:  # python SCRIPT ARGS
            script = args[0]
            sys.argv = list(args)
            sys.path[0] = os.path.dirname(os.path.realpath(script))
            runpy.run_path(os.path.abspath(script), run_name="__main__")
    except SystemExit as e:  # as CPython's handle_system_exit
        if e.code is None:
            code = 0
        elif isinstance(e.code, int):
            code = e.code & 0xFF
        else:
            print(e.code, file=sys.stderr)
            code = 1
    except BaseException as e:  # the traceback, without this file's and runpy's frames
        tb = e.__traceback__
        ours = (_become.__code__.co_filename, runpy.run_path.__code__.co_filename)
        while tb is not None and tb.tb_frame.f_code.co_filename in ours:
            tb = tb.tb_next
        sys.excepthook(type(e), e.with_traceback(tb), tb)
        code, interrupted = 1, isinstance(e, KeyboardInterrupt)
    _exit(code, interrupted)


def _exit(code: int, interrupted: bool) -> None:
    """What CPython's exit does that a run can observe, then os._exit.

    CPython's exit joins non-daemon threads, runs atexit callbacks (logging.shutdown,
    weakref.finalize, multiprocessing's), flushes the standard streams and, as it tears the
    modules down, every file object still reachable (an unreachable one, in a garbage cycle,
    is not: its buffer is lost, here as there), and dies of SIGINT after an uncaught
    KeyboardInterrupt. The rest of it -- tearing down every module of torch and freeing the
    heap, about 0.9 s of CPU after ``import torch`` -- changes nothing a run leaves behind, and
    is skipped.
    """
    import io

    threading._shutdown()
    atexit._run_exitfuncs()
    gc.set_debug(gc.DEBUG_SAVEALL)  # garbage goes to gc.garbage, unfinalized
    gc.collect()  # (the zygote's objects are frozen: it sees only the run's)
    garbage = {id(obj) for obj in gc.garbage}
    for obj in gc.get_objects():
        if issubclass(type(obj), io.IOBase) and id(obj) not in garbage:  # (not a weak proxy's)
            try:
                if not obj.closed:
                    obj.flush()
            except Exception:  # noqa: BLE001 - as a finalizer, which ignores errors
                pass
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            if stream is not None:
                stream.flush()
        except Exception:  # noqa: BLE001
            pass
    if interrupted:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    os._exit(code)


# --------------------------------------------------------------------------- client side


class ZygoteError(RuntimeError):
    """The zygote itself failed (not the program it ran)."""


def enabled() -> bool:
    """Whether runs may be forked from a zygote (Linux only; off with LGEN_TEST_FRESH_PROCESSES=1)."""
    return sys.platform.startswith("linux") and os.environ.get("LGEN_TEST_FRESH_PROCESSES", "") in ("", "0")


def _env_key(env: dict[str, str]) -> tuple:
    return tuple(sorted((k, v) for k, v in env.items() if k not in ENV_IGNORED))


class Zygote:
    """One server process; one request at a time (the pool hands it to one caller)."""

    def __init__(self, preload: tuple[str, ...], env: dict[str, str]):
        self.preload = preload
        self.env_key = _env_key(env)
        self.last_used = time.monotonic()
        self.dir = tempfile.mkdtemp(prefix="lgen_zygote_")
        self.log = os.path.join(self.dir, "zygote.log")
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, os.path.abspath(__file__), *preload],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                env=env,
                cwd=self.dir,
            )
        self._buf = b""
        hello = self._read(timeout=300)
        if not hello.get("ready"):
            self.close()
            raise ZygoteError(f"zygote for {preload} cannot serve: {hello}")

    def _read(self, timeout: float | None) -> dict:
        """The next JSON line from the server; {} on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buf:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not select.select([fd], [], [], left)[0]:
                return {}
            chunk = os.read(fd, 65536)
            if not chunk:
                with open(self.log, errors="replace") as f:
                    raise ZygoteError(f"zygote for {self.preload} exited; its log:\n{f.read()}")
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return json.loads(line)

    def run(self, args: list[str], cwd: str, env: dict[str, str], timeout: float | None):
        """Run ``python ARGS``; return (returncode or None on timeout, stdout, stderr)."""
        out, err = os.path.join(self.dir, "stdout"), os.path.join(self.dir, "stderr")
        request = {"args": list(args), "cwd": str(cwd), "env": dict(env), "stdout": out, "stderr": err}
        self.proc.stdin.write(json.dumps(request).encode() + b"\n")
        self.proc.stdin.flush()
        pid = self._read(timeout=60).get("pid")
        if pid is None:
            raise ZygoteError(f"zygote for {self.preload} did not fork")
        try:
            done = self._read(timeout)
            if not done:  # timed out: kill the child's session, as fresh() does
                _killpg(pid)
                done = self._read(timeout=60)
                returncode = None
            else:
                returncode = done["returncode"]
            self.last_cpu_s = done.get("cpu_s")  # the child's CPU time, for measurements
        except BaseException:  # e.g. KeyboardInterrupt: the child's session does not get it
            _killpg(pid)
            self.close()
            raise
        stdout, stderr = _read_text(out), _read_text(err)
        os.unlink(out)
        os.unlink(err)
        return returncode, stdout, stderr

    def close(self) -> None:
        if self.proc.stdin.closed:
            return
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def _killpg(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _read_text(path: str) -> str:
    # as subprocess's text mode: the locale's encoding, universal newlines
    with open(path) as f:
        return f.read()


#: A torch zygote holds about 230 MB of its own. One unused for IDLE_S seconds is stopped, and
#: at most MAX_IDLE wait unused (the least recently used go first).
IDLE_S = 60.0
MAX_IDLE = 5

_lock = threading.Lock()
_idle: dict[tuple, list[Zygote]] = {}  # key -> zygotes waiting for a request
_all: list[Zygote] = []
_broken: set[tuple] = set()
#: how many runs were forked from a zygote in this process (tests/test_zygote.py counts them)
forked_runs = 0


def run(
    args: list[str],
    cwd: str | os.PathLike,
    env: dict[str, str],
    timeout: float | None,
    preload: tuple[str, ...],
) -> tuple[int | None, str, str] | None:
    """Run ``python ARGS`` forked from a zygote that preloaded ``preload``.

    Returns (returncode, stdout, stderr), returncode None on a timeout (the child was killed);
    None if no zygote can serve here (the caller then runs a fresh process).
    """
    global forked_runs
    if not enabled():
        return None
    key = (tuple(preload), _env_key(env))
    with _lock:
        if key in _broken:
            return None
        pool = _idle.setdefault(key, [])
        zygote = pool.pop() if pool else None
    if zygote is None:
        try:
            zygote = Zygote(tuple(preload), env)
        except ZygoteError as e:
            warnings.warn(f"running fresh processes instead: {e}", RuntimeWarning, stacklevel=2)
            with _lock:
                _broken.add(key)
            return None
        with _lock:
            if not _all:
                atexit.register(shutdown)
            _all.append(zygote)
    result = zygote.run(args, str(cwd), env, timeout)
    zygote.last_used = time.monotonic()
    with _lock:
        _idle[key].append(zygote)
        forked_runs += 1
        waiting = sorted((z for zs in _idle.values() for z in zs), key=lambda z: z.last_used)
        stale = [z for z in waiting if zygote.last_used - z.last_used > IDLE_S]
        stale += [z for z in waiting[: max(0, len(waiting) - MAX_IDLE)] if z not in stale]
        for z in stale:
            _idle[(z.preload, z.env_key)].remove(z)
            _all.remove(z)
    for z in stale:
        z.close()
    return result


#: what a generated training script imports that is slow to import: torch, and torch._dynamo,
#: which torch imports itself in the first ``Optimizer.__init__`` (about 1 s; it draws no random
#: number and starts no thread)
SCRIPT_PRELOAD = ("torch", "torch._dynamo")
#: what ``python -m lgen eject`` imports that is slow to import. Not lgen itself: the child
#: imports lgen as ``python -m lgen`` would, from its working directory first. (Not pydantic,
#: which typer >= 0.29 loads for option values: lgen pins typer below that.)
LGEN_PRELOAD = ("libcst", "libcst.metadata", "black", "jinja2", "typer", "click")


def lightning_preload(model_path: str | os.PathLike) -> tuple[str, ...]:
    """torch, and whichever of lightning / pytorch_lightning the model file imports."""
    import ast

    roots = set()
    for node in ast.walk(ast.parse(open(model_path, encoding="utf-8").read())):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            roots.add(node.module.split(".")[0])
    # (lightning imports torch._dynamo itself)
    return ("torch", *(m for m in ("lightning", "pytorch_lightning") if m in roots))


def python(
    args: list[str],
    *,
    cwd: str | os.PathLike,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
    preload: tuple[str, ...] | None = None,
) -> subprocess.CompletedProcess:
    """``python ARGS`` with its output captured as text, like ``subprocess.run``.

    With ``preload``, forked from a zygote that imported those modules (when ``enabled()``);
    otherwise a fresh process in its own session. On a timeout the child's process group is
    killed and subprocess.TimeoutExpired raised. The CompletedProcess's args are
    ``[sys.executable, *ARGS]`` either way.
    """
    args = [str(a) for a in args]
    cmd = [sys.executable, *args]
    env = dict(os.environ if env is None else env)
    if preload is not None:
        forked = run(args, cwd, env, timeout, preload)
        if forked is not None:
            returncode, stdout, stderr = forked
            if returncode is None:
                raise subprocess.TimeoutExpired(cmd, timeout, stdout, stderr)
            return subprocess.CompletedProcess(cmd, returncode, stdout, stderr)
    return fresh(cmd, cwd=cwd, env=env, timeout=timeout)


def fresh(cmd: list[str], *, cwd: str | os.PathLike, env: dict[str, str], timeout: float | None) -> subprocess.CompletedProcess:
    """``cmd`` as a fresh process in its own session (process group), output captured as text.

    On a timeout the whole group is killed (so ranks a distributed launcher started do not
    outlive it) and subprocess.TimeoutExpired raised with the output so far.
    """
    proc = subprocess.Popen(
        cmd,
        cwd=str(cwd),
        env=env,
        stdin=subprocess.DEVNULL,  # as a forked child's
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _killpg(proc.pid)
        stdout, stderr = proc.communicate()
        raise subprocess.TimeoutExpired(cmd, timeout, stdout, stderr) from None
    except BaseException:  # e.g. KeyboardInterrupt: the new session does not get the signal
        _killpg(proc.pid)
        proc.wait()
        raise
    return subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)


def shutdown() -> None:
    """Stop every zygote (at interpreter exit; a zygote also exits when its stdin closes)."""
    with _lock:
        zygotes, _all[:] = list(_all), []
        _idle.clear()
    for z in zygotes:
        z.close()


if __name__ == "__main__":
    _request = _serve(sys.argv[1:])
    if _request is not None:  # in the forked child (the server returns None at EOF and exits)
        _become(_request)
