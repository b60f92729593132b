"""Proof by Lightning for the TensorBoardLogger (contract §6): where `tensorboard` is installed,
Lightning's default logger is a TensorBoardLogger, and the ejected script decides that at run
time as Lightning does. tensorboard is not in the test environment (it would flip the default
logger of every other run test): a fixture installs it once into a cache folder
(`pip install --target`) and puts that folder on PYTHONPATH for both sides of these tests only.

In fresh folders `python model.py` (Lightning 2.6.6) and `python train.py` write the same set of
files (event files: the same count in each folder), equal checkpoints, hparams.yaml line for
line, the same scalar events (tag, step, value) read back with TensorBoard's EventAccumulator
(wall times and host names in the event files differ by nature), and print the same results.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from equivalence.harness import subprocess_env
from equivalence.zygote import python
from golden_cases import load_cases
from test_runs import OWN, _files, _results, compare_files

CASES = {c.name: c for c in load_cases() if c.run and not c.is_error}
# the default logger under tensorboard: plain logging, hyperparameters (hp_metric), the
# learning-rate monitor's rows, per-batch evaluation rows, and a test after fit (the logger
# closed at the end of every stage: its writer then opens a new event file for the next one that
# logs), validate and predict after fit
TB_CASES = [
    "run_files_default",
    "run_files_hparams",
    "run_callbacks_lr_monitor",
    "run_files_eval_step_rows",
    "run_test_best",
    "run_files_validate_predict",
]
EVENTS = re.compile(r"(^|/)events\.out\.tfevents\.[^/]+$")


@pytest.fixture(scope="session")
def tensorboard_path(request) -> Path:
    """A folder holding tensorboard (and what it needs that this interpreter lacks), installed
    once into pytest's cache; skips when pip cannot install it."""
    folder = Path(request.config.cache.mkdir("lgen-tensorboard")) / "site"
    if not (folder / "tensorboard").is_dir():
        done = subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--target", str(folder), "tensorboard"],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0 or not (folder / "tensorboard").is_dir():
            pytest.skip(f"pip cannot install tensorboard: {done.stderr.strip()[-500:]}")
        # what this interpreter has already (numpy, packaging, ...) stays its own: only what is
        # missing comes from the folder, so nothing but the logger changes for the runs
        for info in folder.glob("*.dist-info"):
            name = info.name.split("-")[0]
            try:
                importlib.metadata.version(name)
            except importlib.metadata.PackageNotFoundError:
                continue
            record = info / "RECORD"
            for line in record.read_text().splitlines() if record.is_file() else []:
                path = folder / line.split(",")[0]
                if path.is_file():
                    path.unlink()
    return folder


def _env(tensorboard_path: Path) -> dict[str, str]:
    env = subprocess_env()
    env["CUDA_VISIBLE_DEVICES"] = ""
    env["PYTHONPATH"] = os.pathsep.join([env["PYTHONPATH"], str(tensorboard_path)])
    return env


def _scalars(folder: Path, tensorboard_path: Path) -> dict[str, dict[str, list]]:
    """Each version folder's scalar events, per tag, as (step, value) in the order written."""
    code = (
        "import json, sys\n"
        "from tensorboard.backend.event_processing.event_accumulator import EventAccumulator\n"
        "out = {}\n"
        "for d in sys.argv[1:]:\n"
        "    acc = EventAccumulator(d, size_guidance={'scalars': 0})\n"
        "    acc.Reload()\n"
        "    out[d] = {t: [[e.step, e.value] for e in acc.Scalars(t)] for t in acc.Tags()['scalars']}\n"
        "print(json.dumps(out))\n"
    )
    dirs = sorted({str(Path(name).parent) for name in _files(folder) if EVENTS.search(name)})
    env = _env(tensorboard_path)
    done = subprocess.run([sys.executable, "-c", code, *dirs], cwd=folder, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-4000:]
    import json

    return json.loads(done.stdout)


def _event_counts(names: set[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for name in names:
        if EVENTS.search(name):
            folder = str(Path(name).parent)
            counts[folder] = counts.get(folder, 0) + 1
    return counts


@pytest.mark.slow
@pytest.mark.parametrize("name", TB_CASES)
def test_default_tensorboard_logger_matches_lightning(name, tmp_path, tensorboard_path):
    case = CASES[name]
    theirs, ours = tmp_path / "lightning", tmp_path / "script"
    case.copy_into(theirs)
    given = _files(theirs)
    ejected = case.eject(ours)
    assert ejected.returncode == 0, ejected.stderr
    env = _env(tensorboard_path)
    # fresh processes (no zygote): PYTHONPATH must reach them
    lightning = python(["model.py", *case.run_args], cwd=theirs, env=env)
    assert lightning.returncode == 0, lightning.stderr[-4000:]
    script = python(["train.py", *case.run_args], cwd=ours, env=env)
    assert script.returncode == 0, script.stderr[-4000:]
    assert _results(lightning.stdout), "the entry prints no result line: nothing would be compared"
    assert _results(script.stdout) == _results(lightning.stdout)

    lightning_files = _files(theirs) - given
    script_files = _files(ours) - given - {"train.py"} - OWN
    assert any(EVENTS.search(n) for n in lightning_files), "Lightning wrote no event file: tensorboard was not in use"
    assert {n for n in script_files if not EVENTS.search(n)} == {n for n in lightning_files if not EVENTS.search(n)}
    assert _event_counts(script_files) == _event_counts(lightning_files)
    assert not any(n.endswith("metrics.csv") for n in lightning_files)
    problems = compare_files(theirs, ours, {n for n in lightning_files if not EVENTS.search(n)})
    assert problems == [], "\n".join(problems)
    theirs_scalars, ours_scalars = _scalars(theirs, tensorboard_path), _scalars(ours, tensorboard_path)
    assert theirs_scalars and any(theirs_scalars.values()), "no scalar was logged: nothing would be compared"
    assert ours_scalars == theirs_scalars
