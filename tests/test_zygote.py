"""The equivalence harness's zygote (tests/equivalence/zygote.py): a forked run is a fresh run.

Most `python ...` runs of the equivalence tests are forked from a warm interpreter that has
imported torch / Lightning / lgen's libraries. These tests hold that shortcut to what it
replaces: the same cases run both ways give identical ejected scripts and identical checkpoints
(every key, every tensor: torch.equal), and a probe script sees the same process from inside
(argv, cwd, sys.path, environment, hash seed, threads, signal handlers, ...). Exit statuses,
output capture and timeouts behave as a subprocess's.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import torch
from equivalence import harness, zygote
from equivalence.cases import BY_NAME

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the zygote is used on Linux only")


@pytest.fixture
def fresh(monkeypatch):
    """A context in which every run is a fresh process (LGEN_TEST_FRESH_PROCESSES=1)."""

    def use(on: bool):
        if on:
            monkeypatch.setenv("LGEN_TEST_FRESH_PROCESSES", "1")
        else:
            monkeypatch.delenv("LGEN_TEST_FRESH_PROCESSES", raising=False)

    return use


def _whole_checkpoint_mismatches(a: Path, b: Path) -> list[str]:
    """Every key of the two checkpoints, compared exactly (tensors: dtype, shape, torch.equal)."""
    ca = torch.load(a, map_location="cpu", weights_only=False)
    cb = torch.load(b, map_location="cpu", weights_only=False)
    out: list[str] = []
    harness._compare_values(ca, cb, "checkpoint", out)
    return out


def _forked_runs() -> int:
    return zygote.forked_runs


CASES = ["baseline", "rng_dataset", "adamw_steplr_accum3_clip", "manual_gan_max_steps", "hooks_bf16_true"]


@pytest.mark.slow
@pytest.mark.parametrize("name", CASES)
def test_forked_and_fresh_runs_give_identical_checkpoints(name, tmp_path, fresh):
    case = BY_NAME[name]
    model = harness.resolve_model(case.model)
    ckpts = {}
    for mode in ("fresh", "forked"):
        fresh(mode == "fresh")
        before = _forked_runs()
        light = harness.run_lightning(model, case.cls, case.flags, case.seed, tmp_path / mode / "lightning")
        ejected = harness.run_ejected(model, case.cls, case.flags, case.seed, tmp_path / mode / "ejected")
        # fresh: no run was forked; forked: all three (Lightning, lgen eject, the script) were
        assert _forked_runs() - before == (0 if mode == "fresh" else 3)
        ckpts[mode] = light, ejected
    script = {mode: (tmp_path / mode / "ejected" / "train.py").read_bytes() for mode in ckpts}
    assert script["fresh"] == script["forked"], "lgen eject wrote different scripts"
    for side, i in (("Lightning", 0), ("ejected script", 1)):
        problems = _whole_checkpoint_mismatches(ckpts["fresh"][i], ckpts["forked"][i])
        assert problems == [], f"{side}: fresh and forked runs differ\n" + "\n".join(problems)
    assert harness.compare(*ckpts["forked"], atol=case.atol) == []


PROBE = textwrap.dedent("""
    import json, os, signal, sys, threading, warnings
    threads_at_start = len(os.listdir("/proc/self/task"))
    import torch
    import torch._dynamo

    import numpy, random
    unseeded = {"torch": torch.initial_seed(), "random": random.random(), "numpy": numpy.random.rand()}
    torch.manual_seed(0)
    x = torch.randn(1000, 100) @ torch.randn(100, 10)
    print("to stdout")
    print("to stderr", file=sys.stderr)
    print(json.dumps({
        "argv": sys.argv,
        "cwd": os.getcwd(),
        "path": sys.path,
        "env": dict(os.environ),
        "hash": hash("lgen"),
        "flags": list(sys.flags),
        "name": __name__,
        "file": __file__,
        "spec": None if __spec__ is None else [__spec__.name, __spec__.origin],
        "main_is_this": sys.modules["__main__"].__dict__ is globals(),
        "own_session": os.getsid(0) == os.getpid(),
        "threads_at_start": threads_at_start,
        "threads": len(os.listdir("/proc/self/task")),
        "torch_threads": torch.get_num_threads(),
        "torch_interop_threads": torch.get_num_interop_threads(),
        "unseeded": unseeded,
        "deterministic": torch.are_deterministic_algorithms_enabled(),
        "default_dtype": str(torch.get_default_dtype()),
        "cuda_initialized": torch.cuda.is_initialized(),
        "signals": {s: str(signal.getsignal(getattr(signal, s))) for s in ("SIGINT", "SIGTERM", "SIGPIPE", "SIGCHLD")},
        "recursion": sys.getrecursionlimit(),
        "stdin": [sys.stdin.isatty(), os.path.realpath("/proc/self/fd/0")],
        "stdout": [sys.stdout.isatty(), sys.stdout.line_buffering, sys.stdout.encoding],
        "stderr": [sys.stderr.isatty(), sys.stderr.line_buffering, sys.stderr.encoding],
        "warnings": [str(f) for f in warnings.filters],
        "x": x.sum().item(),
    }))
    """)


def _probe(tmp_path: Path, fresh, forked: bool, args: list[str], env: dict[str, str]) -> tuple[dict, str]:
    fresh(not forked)
    before = _forked_runs()
    p = zygote.python(args, cwd=tmp_path, env=env, timeout=120, preload=zygote.SCRIPT_PRELOAD)
    assert _forked_runs() - before == int(forked)
    assert p.returncode == 0, p.stderr
    out = p.stdout.splitlines()
    assert out[0] == "to stdout" and "to stderr" in p.stderr
    seen = json.loads(out[-1])
    seen["env"].pop("PYTEST_CURRENT_TEST", None)
    return seen, p.stderr


@pytest.mark.parametrize("how", ["script", "module"])
def test_a_forked_child_looks_like_a_fresh_process(tmp_path, fresh, how):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "probe.py").write_text(PROBE)
    env = {**harness.subprocess_env(), "LGEN_PROBE": "yes"}
    if how == "script":
        args = [str(tmp_path / "sub" / "probe.py"), "--seed", "1", "ä b"]
    else:  # python -m probe, run from its folder
        args = ["-m", "probe", "--seed", "1", "ä b"]
    cwd = tmp_path / "sub" if how == "module" else tmp_path
    a, _ = _probe(cwd, fresh, False, args, env)
    b, _ = _probe(cwd, fresh, True, args, env)
    b2, _ = _probe(cwd, fresh, True, args, env)
    # generators that nothing seeded differ from run to run, forked or not
    unseeded = [run.pop("unseeded") for run in (a, b, b2)]
    for name in unseeded[0]:
        assert len({run[name] for run in unseeded}) == 3, (name, unseeded)
    differ = sorted(k for k in a if a[k] != b[k])
    assert differ == [], {k: (a[k], b[k]) for k in differ}
    assert b == b2
    assert a["threads_at_start"] == 1 and a["own_session"] and a["torch_threads"] == 1


EXITS = {
    "exit_3": ("import sys\nprint('out')\nsys.exit(3)\n", 3, "out\n", None),
    "exit_message": ("import sys\nsys.exit('bye')\n", 1, "", "bye"),
    "exception": ("def f():\n    raise ValueError('boom')\nf()\n", 1, "", "ValueError: boom"),
    "exit_huge": ("import sys\nsys.exit(257)\n", 1, "", None),
    "interrupted": ("raise KeyboardInterrupt\n", -signal.SIGINT, "", "KeyboardInterrupt"),
    "os_exit": ("import os, sys\nprint('unflushed')\nos._exit(5)\n", 5, None, None),  # stdout: PYTHONUNBUFFERED?
    "signal": ("import os, signal\nos.kill(os.getpid(), signal.SIGTERM)\n", -signal.SIGTERM, "", None),
    "atexit": ("import atexit\natexit.register(lambda: print('at exit'))\n", 0, "at exit\n", None),
    "unclosed_files": (
        "import sys\n"
        "kept = open('kept.txt', 'w')\n"
        "kept.write('kept open')\n"
        "class Cycle:\n"
        "    pass\n"
        "c = Cycle()\n"
        "c.self, c.f = c, open('cycle.txt', 'w')\n"
        "c.f.write('in a cycle')\n"
        "del c\n"
        "print('written'); print('err', file=sys.stderr)\n",
        0, "written\n", "err",
    ),  # fmt: skip
    "thread_joined": (
        "import threading, time\n"
        "threading.Thread(target=lambda: (time.sleep(0.5), print('thread done'))).start()\n",
        0, "thread done\n", None,
    ),  # fmt: skip
}


@pytest.mark.parametrize("name", sorted(EXITS))
def test_exit_status_and_output_as_a_subprocess(tmp_path, fresh, name):
    source, code, stdout, in_stderr = EXITS[name]
    script = tmp_path / "s.py"
    script.write_text(source)
    results = []
    for forked in (False, True):
        fresh(not forked)
        p = zygote.python(
            [str(script)], cwd=tmp_path, env=harness.subprocess_env(), timeout=60, preload=zygote.SCRIPT_PRELOAD
        )
        results.append((p.returncode, p.stdout, p.stderr))
        assert p.returncode == code, p.stderr
        if stdout is not None:
            assert p.stdout == stdout
        if in_stderr:
            assert in_stderr in p.stderr
        if name == "unclosed_files":  # flushed at exit if still reachable, as CPython does
            assert (tmp_path / "kept.txt").read_text() == "kept open"
            assert (tmp_path / "cycle.txt").read_text() == ""
            results[-1] += ((tmp_path / "kept.txt").read_text(), (tmp_path / "cycle.txt").read_text())
            (tmp_path / "kept.txt").unlink()
            (tmp_path / "cycle.txt").unlink()
    assert results[0] == results[1]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_timeout_kills_the_child_and_its_children(tmp_path, fresh):
    fresh(False)
    pids = tmp_path / "pids"
    script = tmp_path / "sleep.py"
    script.write_text(
        "import os, subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)'])\n"
        f"open({str(pids)!r}, 'w').write(f'{{os.getpid()}} {{child.pid}}')\n"
        "time.sleep(300)\n"
    )
    before = _forked_runs()
    t0 = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired):
        zygote.python(
            [str(script)], cwd=tmp_path, env=harness.subprocess_env(), timeout=8, preload=zygote.SCRIPT_PRELOAD
        )  # (8 s: time enough to start the grandchild and write the pids, on a busy machine too)
    assert time.monotonic() - t0 < 60
    assert _forked_runs() - before == 1
    assert pids.exists(), "the script did not get to write its pids before the timeout"
    for pid in map(int, pids.read_text().split()):
        for _ in range(100):
            if not _alive(pid):
                break
            time.sleep(0.05)
        assert not _alive(pid), pid
    # and the zygote still serves
    (tmp_path / "ok.py").write_text("print('ok')\n")
    ok = zygote.python([str(tmp_path / "ok.py")], cwd=tmp_path, env=harness.subprocess_env(), timeout=60,
                       preload=zygote.SCRIPT_PRELOAD)  # fmt: skip
    assert ok.returncode == 0 and ok.stdout == "ok\n"


def test_a_changed_environment_gets_another_zygote(tmp_path, fresh):
    fresh(False)
    script = tmp_path / "h.py"
    script.write_text("import os\nprint(hash('lgen'), os.environ.get('LGEN_PROBE'), os.getppid())\n")
    outs = []
    for seed in ("0", "1", "0"):
        env = {**harness.subprocess_env(), "PYTHONHASHSEED": seed, "LGEN_PROBE": seed}
        p = zygote.python([str(script)], cwd=tmp_path, env=env, timeout=60, preload=zygote.SCRIPT_PRELOAD)
        assert p.returncode == 0, p.stderr
        outs.append(p.stdout.split())
        fresh_run = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True)
        assert p.stdout.split()[:2] == fresh_run.stdout.split()[:2], "hash seed or environment differ from a fresh run"
    assert outs[0][0] != outs[1][0]  # different hash seeds: different zygotes
    assert outs[0][2] == outs[2][2] != outs[1][2]  # the same zygote served seed 0 twice
