"""Run an ejected script and kill it (SIGKILL) at random moments, for tests/test_kill.py.

    python kill_runner.py kill SCRIPT WORKDIR SEED KILLS [SCRIPT ARGS...]
    python kill_runner.py runs SCRIPT RUNS_JSON   (a list of [folder, [args...]], each run to its end)

`import torch` once, then each run is a forked child that becomes `python SCRIPT ARGS` in its own
folder (WORKDIR/full, WORKDIR/kill_0, ...), so a kill's moment is not lost in interpreter start-up.
First an uninterrupted run, timed; then KILLS runs, each killed after a delay drawn uniformly
(seeded) over that run's duration. The parent runs no tensor op before it forks (no threads).
Prints one JSON line: the full run's seconds, and per kill its delay and whether it was killed.
"""

import json
import os
import random
import runpy
import signal
import sys
import time

import torch  # noqa: F401  (the script's imports, done once before forking)
import torch._dynamo  # noqa: F401  (which the first optimizer step imports)


def start(script, folder, args):
    os.makedirs(folder, exist_ok=True)
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        os.chdir(folder)
        out = os.open("script.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        os.dup2(out, 1)
        os.dup2(out, 2)
        sys.argv = [script, *args]
        sys.path[0] = os.path.dirname(script)
        runpy.run_path(script, run_name="__main__")
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def runs(script, spec):
    """Each run of `spec` in its folder, one after the other, to its end: their exit codes."""
    codes = []
    for folder, args in json.loads(spec):
        _, status = os.waitpid(start(script, folder, args), 0)
        codes.append(os.waitstatus_to_exitcode(status))
    print(json.dumps(codes))


def main():
    if sys.argv[1] == "runs":
        return runs(os.path.abspath(sys.argv[2]), sys.argv[3])
    script, workdir, seed, kills, *args = sys.argv[2:]
    script = os.path.abspath(script)
    began = time.monotonic()
    _, status = os.waitpid(start(script, os.path.join(workdir, "full"), args), 0)
    duration = time.monotonic() - began
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"the uninterrupted run failed (status {status})")
    rng = random.Random(int(seed))
    killed_runs = []
    for i in range(int(kills)):
        delay = rng.uniform(0.0, duration)
        pid = start(script, os.path.join(workdir, f"kill_{i}"), args)
        time.sleep(delay)
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        killed_runs.append({"delay": delay, "killed": killed, "code": os.waitstatus_to_exitcode(status)})
    print(json.dumps({"duration": duration, "runs": killed_runs}))


if __name__ == "__main__":
    main()
