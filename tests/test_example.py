"""The README's first command: the bundled example project (examples/waves: a datamodule and a
model in their own files, an entry with argparse, seed_everything, a Trainer call, fit, then test
on the best checkpoint) ejects, and the script does the run Lightning does (contract §6)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from equivalence.harness import subprocess_env
from equivalence.zygote import SCRIPT_PRELOAD, lightning_preload, python
from test_runs import OWN, _files, _results, compare_files

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "waves"
SOURCES = ("data.py", "model.py", "train.py")


def test_readme_runs_the_example():
    """The README's first command ejects and runs this example, and the files it names exist."""
    readme = (ROOT / "README.md").read_text()
    first = re.search(r"```bash\n(.*?)\n```", readme, re.S).group(1)
    assert "lgen eject examples/waves/train.py -o examples/waves/plain_train.py" in first
    assert "python examples/waves/plain_train.py" in first
    assert all((EXAMPLE / name).is_file() for name in SOURCES)


@pytest.mark.slow
def test_example_matches_lightning(tmp_path):
    theirs, ours = tmp_path / "lightning", tmp_path / "script"
    for folder in (theirs, ours):
        folder.mkdir()
        for name in SOURCES:
            shutil.copy(EXAMPLE / name, folder / name)
    given = _files(theirs)
    ejected = python(["-m", "lgen", "eject", "train.py", "-o", "plain_train.py"], cwd=ours)
    assert ejected.returncode == 0, ejected.stderr
    env = subprocess_env()
    env["CUDA_VISIBLE_DEVICES"] = ""
    lightning = python(["train.py", "--lr", "0.02"], cwd=theirs, env=env, preload=lightning_preload(EXAMPLE / "train.py"))
    assert lightning.returncode == 0, lightning.stderr[-4000:]
    script = python(["plain_train.py", "--lr", "0.02"], cwd=ours, env=env, preload=SCRIPT_PRELOAD)
    assert script.returncode == 0, script.stderr[-4000:]

    assert _results(lightning.stdout), "the example prints no result line"
    assert _results(script.stdout) == _results(lightning.stdout)
    lightning_files = _files(theirs) - given
    assert _files(ours) - given - {"plain_train.py"} - OWN == lightning_files
    assert any(name.endswith(".ckpt") for name in lightning_files)
    problems = compare_files(theirs, ours, lightning_files)
    assert problems == [], "\n".join(problems)
