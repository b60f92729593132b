"""Killed at any moment, the script leaves checkpoints that load and resume (issue 16).

The ejected script of golden/run_files_kill (Lightning's default checkpoint callback: an
`epoch=E-step=S.ckpt` at every epoch's end, the one before removed) runs once uninterrupted, then
several times killed with SIGKILL after seeded random delays spread over that run's duration
(tests/equivalence/kill_runner.py forks each run from one warm interpreter, so the delays fall
inside training, not in `import torch`). After each kill:

- every `.ckpt` file left in the checkpoint folder loads with `torch.load(weights_only=True)` and
  holds Lightning's checkpoint keys (a save cut short leaves only its temp file);
- the newest one, resumed in the same folder (alternately with the script's `--resume` and with
  the entry's own `trainer.fit(..., ckpt_path=...)`), runs to the end, and the resumed run's
  final epoch checkpoint equals the uninterrupted run's tensor for tensor (weights, optimizer
  and scheduler states, loop progress, callback state with its paths taken relative to each run's
  version folder), as does its `--out-dir` last.ckpt;
- Lightning 2.6.6 itself, `trainer.fit(..., ckpt_path=...)` from one of those killed runs'
  checkpoints, ends with the uninterrupted script run's final checkpoint too.

Nothing is random after the model is built in that run (no shuffling, no dropout), so an
epoch-end checkpoint determines the rest of the run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from equivalence.harness import _compare_values, compare, subprocess_env
from equivalence.zygote import lightning_preload, python

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "golden" / "run_files_kill" / "train.py"
RUNNER = ROOT / "tests" / "equivalence" / "kill_runner.py"
KILLS = 6
SEED = 16
ARGS = ["--accelerator", "cpu"]
KEYS = {"epoch", "global_step", "pytorch-lightning_version", "state_dict", "loops", "callbacks", "optimizer_states", "lr_schedulers"}

pytestmark = pytest.mark.slow


def _runner(*args: str) -> object:
    cmd = [sys.executable, str(RUNNER), *map(str, args)]
    proc = subprocess.run(cmd, cwd=ROOT, env=subprocess_env(), capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _checkpoints(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.ckpt"))


def _load(path: Path) -> dict:
    import torch

    return torch.load(path, map_location="cpu", weights_only=True)


def _relative(value, root: Path):
    """Absolute paths inside a callback's state, relative to the run's version folder."""
    if isinstance(value, str) and os.path.isabs(value):
        return os.path.relpath(value, root)
    if isinstance(value, dict):
        return {_relative(k, root): _relative(v, root) for k, v in value.items()}
    return value


def _same(full: Path, full_root: Path, resumed: Path, resumed_root: Path, lightning: bool = False) -> list[str]:
    import torch

    a = _load(full)
    b = torch.load(resumed, map_location="cpu", weights_only=False) if lightning else _load(resumed)
    a["callbacks"] = _relative(a["callbacks"], full_root)
    b["callbacks"] = _relative(b["callbacks"], resumed_root)
    out: list[str] = []
    _compare_values(a, b, "checkpoint", out)
    return out


@pytest.fixture(scope="module")
def killed(tmp_path_factory):
    """The runs' folder, and per killed run that left a checkpoint its newest, all loaded."""
    tmp_path = tmp_path_factory.mktemp("kill")
    report = _runner("kill", SCRIPT, tmp_path, SEED, KILLS, *ARGS)
    newest = {}
    for i, run in enumerate(report["runs"]):
        folder = tmp_path / f"kill_{i}"
        ckpt_dir = folder / "lightning_logs" / "version_0" / "checkpoints"
        found = _checkpoints(ckpt_dir) if ckpt_dir.is_dir() else []
        for path in found:
            checkpoint = _load(path)  # raises if a kill left it damaged
            assert KEYS <= set(checkpoint), f"kill {i} ({run}): {path.name} lacks {KEYS - set(checkpoint)}"
        if found:
            newest[i] = max(found, key=lambda p: _load(p)["global_step"])
    # the seeded delays kill most runs inside training, after at least one checkpoint
    assert sum(run["killed"] for run in report["runs"]) >= KILLS // 2, report
    assert len(newest) >= KILLS // 2, report
    return tmp_path, newest


def _final(tmp_path: Path) -> Path:
    (final,) = _checkpoints(tmp_path / "full" / "lightning_logs" / "version_0" / "checkpoints")
    return final


def test_killed_runs_leave_loadable_resumable_checkpoints(killed):
    tmp_path, newest = killed
    full, final = tmp_path / "full", _final(tmp_path)
    resumes = []
    for i, start in newest.items():
        how = ["--resume", str(start)] if i % 2 == 0 else ["--ckpt", str(start)]
        resumes.append([str(tmp_path / f"kill_{i}"), [*ARGS, "--out-dir", "resumed", *how]])
    codes = _runner("runs", SCRIPT, json.dumps(resumes))
    assert codes == [0] * len(resumes), [(r, c) for r, c in zip(resumes, codes) if c]
    for i, start in newest.items():
        folder = tmp_path / f"kill_{i}"
        again = folder / "lightning_logs" / "version_1"
        ends = _checkpoints(again / "checkpoints") if (again / "checkpoints").is_dir() else []
        # resumed from the last epoch's checkpoint, nothing is left to train or save
        end, end_root = (ends[-1], again) if ends else (start, start.parent.parent)
        assert end.name == final.name, (i, start.name, [p.name for p in ends])
        problems = _same(final, final.parent.parent, end, end_root)
        problems += compare(full / "lgen_out" / "last.ckpt", folder / "resumed" / "last.ckpt")
        assert not problems, f"kill {i} resumed from {start.name}:\n  " + "\n  ".join(problems)


def test_lightning_resumes_a_killed_runs_checkpoint(killed):
    tmp_path, newest = killed
    final = _final(tmp_path)
    # the earliest checkpoint a kill left: the most epochs left to train
    start = min(newest.values(), key=lambda p: _load(p)["global_step"])
    folder = tmp_path / "lightning"
    folder.mkdir()
    entry = SCRIPT.parent / "model.py"
    (folder / "model.py").write_text(entry.read_text())
    env = subprocess_env()
    env["CUDA_VISIBLE_DEVICES"] = ""
    proc = python(["model.py", "--ckpt", start], cwd=folder, env=env, preload=lightning_preload(entry), timeout=240)
    assert proc.returncode == 0, proc.stderr[-4000:]
    (end,) = _checkpoints(folder / "lightning_logs" / "version_0" / "checkpoints")
    assert end.name == final.name
    problems = _same(final, final.parent.parent, end, end.parent.parent, lightning=True)
    assert not problems, f"Lightning resumed from {start.name}:\n  " + "\n  ".join(problems)
