"""Proof by Lightning for runs (contract §6): in a fresh folder holding a copy of the entry,
`python model.py` (Lightning 2.6.6) and, in another, `python train.py` (the ejected script) give

- the same set of files (the script's own `lgen_out/last.ckpt` aside);
- in every checkpoint, `torch.equal` tensors for every key the script writes, and those keys
  are keys of Lightning's checkpoint;
- the same lines printed by the entry that start with "result" (what it prints from `test()`,
  `trainer.callback_metrics`, ...), compared exactly; on stderr too (what it logs, as with
  `rank_zero_info`).

The golden cases with `run = true` in case.toml are the runs; `run_args` go to both sides.
A run under DDP (`processes = 2`) starts its other rank itself on both sides; every rank's
lines are compared, sorted (they interleave in any order).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from equivalence.harness import subprocess_env
from equivalence.zygote import SCRIPT_PRELOAD, lightning_preload, python
from golden_cases import load_cases

RUN_CASES = [c for c in load_cases() if c.run and not c.is_error]
# what the script writes of its own (contract §5: v1's --out-dir checkpoint)
OWN = {"lgen_out/last.ckpt"}


def _files(folder: Path) -> set[str]:
    out = set()
    for root, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for n in names:
            out.add(os.path.relpath(os.path.join(root, n), folder).replace(os.sep, "/"))
    return out


def _results(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.lower().startswith("result")]


def _relative(value, root: Path):
    """Paths inside a callback's state, relative to the run folder (absolute paths differ between
    the two folders); other values as they are."""
    if isinstance(value, str) and os.path.isabs(value):
        return os.path.relpath(value, os.path.realpath(root))
    if isinstance(value, dict):
        return {_relative(k, root): _relative(v, root) for k, v in value.items()}
    return value


def _compare_checkpoints(theirs: Path, ours: Path, theirs_root: Path | None = None, ours_root: Path | None = None) -> list[str]:
    import torch

    a = torch.load(theirs, map_location="cpu", weights_only=False)
    b = torch.load(ours, map_location="cpu", weights_only=True)
    if theirs_root is not None and isinstance(a.get("callbacks"), dict) and isinstance(b.get("callbacks"), dict):
        a["callbacks"] = _relative(a["callbacks"], theirs_root)
        b["callbacks"] = _relative(b["callbacks"], ours_root)
    problems = [f"{ours.name}: key {k!r} is not in Lightning's checkpoint" for k in b if k not in a]
    # what Lightning writes of the model's and the datamodule's own (hyperparameters, a
    # datamodule's state under its class's name) the script writes too
    own = {"hyper_parameters", "datamodule_hyper_parameters", "datamodule_hparams_name"}
    own |= {k for k in a if isinstance(k, str) and k.isidentifier() and k[:1].isupper() and k != "MixedPrecision"}
    problems += [f"{ours.name}: Lightning's key {k!r} is missing" for k in sorted(own) if k in a and k not in b]

    def same(x, y, where):
        if isinstance(x, torch.Tensor) or isinstance(y, torch.Tensor):
            if not (isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor) and x.dtype == y.dtype and torch.equal(x, y)):
                problems.append(f"{where}: tensors differ")
        elif isinstance(x, dict) and isinstance(y, dict):
            if set(x) != set(y):
                problems.append(f"{where}: keys {sorted(map(str, x))} != {sorted(map(str, y))}")
            for k in set(x) & set(y):
                same(x[k], y[k], f"{where}[{k!r}]")
        elif isinstance(x, (list, tuple)) and isinstance(y, (list, tuple)):
            if len(x) != len(y):
                problems.append(f"{where}: {len(x)} items != {len(y)}")
            for i, (p, q) in enumerate(zip(x, y)):
                same(p, q, f"{where}[{i}]")
        elif x != y or type(x) is not type(y):
            problems.append(f"{where}: {x!r} != {y!r}")

    for k in b:
        if k in a:
            same(a[k], b[k], f"{ours.name}[{k!r}]")
    return problems


@pytest.mark.slow
@pytest.mark.parametrize("case", RUN_CASES, ids=[c.name for c in RUN_CASES])
def test_run_matches_lightning(case, tmp_path):
    theirs, ours = tmp_path / "lightning", tmp_path / "script"
    case.copy_into(theirs)
    given = _files(theirs)  # the entry, and the project's other files for a project case
    ejected = case.eject(ours)
    assert ejected.returncode == 0, ejected.stderr
    env = subprocess_env()
    env["CUDA_VISIBLE_DEVICES"] = ""
    # a run under DDP starts its other ranks itself (Lightning's launcher, the script's too):
    # fresh processes, and every rank's lines, which interleave in any order, compared sorted
    distributed = case.processes > 1
    if distributed:
        # each rank's output in one write at its exit, not piece by piece: lines stay whole
        env.pop("PYTHONUNBUFFERED", None)
    lightning_preloaded = None if distributed else lightning_preload(case.entry)
    # ranks that disagree wait for each other in a collective: a bound, and the group killed
    timeout = 600 if distributed else None
    lightning = python(["model.py", *case.run_args], cwd=theirs, env=env, preload=lightning_preloaded, timeout=timeout)
    assert lightning.returncode == 0, lightning.stderr[-4000:]
    script = python(["train.py", *case.run_args], cwd=ours, env=env, preload=None if distributed else SCRIPT_PRELOAD, timeout=timeout)
    assert script.returncode == 0, script.stderr[-4000:]

    assert _results(lightning.stdout), "the entry prints no result line: nothing would be compared"
    if distributed:
        assert sorted(_results(script.stdout)) == sorted(_results(lightning.stdout)), (script.stdout, lightning.stdout)
        assert sorted(_results(script.stderr)) == sorted(_results(lightning.stderr))
    else:
        assert _results(script.stdout) == _results(lightning.stdout)
        # what the entry's code logs to stderr (rank_zero_info) is compared the same way
        assert _results(script.stderr) == _results(lightning.stderr)
    lightning_files = _files(theirs) - given
    script_files = _files(ours) - given - {"train.py"} - OWN
    assert script_files == lightning_files
    assert lightning_files, "the run writes no file: nothing would be compared"
    problems = compare_files(theirs, ours, lightning_files)
    assert problems == [], "\n".join(problems)


def compare_files(theirs: Path, ours: Path, names: set[str]) -> list[str]:
    """Each file the run wrote, Lightning's against the script's: checkpoints tensor for tensor,
    the logger's files line for line (line ends included)."""
    problems = []
    for name in sorted(names):
        if name.endswith(".ckpt"):
            problems += _compare_checkpoints(theirs / name, ours / name, theirs, ours)
        elif name.endswith(("metrics.csv", "hparams.yaml")):
            lines_a = (theirs / name).read_bytes().splitlines(keepends=True)
            lines_b = (ours / name).read_bytes().splitlines(keepends=True)
            problems += [f"{name}:{i + 1}: {x!r} != {y!r}" for i, (x, y) in enumerate(zip(lines_a, lines_b)) if x != y]
            if len(lines_a) != len(lines_b):
                problems.append(f"{name}: {len(lines_a)} lines != {len(lines_b)}")
    return problems


def test_a_changed_trainer_call_is_drift(tmp_path):
    """The header covers the whole entry: `--check` reports a changed Trainer argument, and a
    re-eject without flags reads the new value."""
    import subprocess
    import sys

    case = next(c for c in RUN_CASES if c.name == "run_datamodule")
    assert case.eject(tmp_path).returncode == 0
    check = [sys.executable, "-m", "lgen", "eject", "model.py", "-o", "train.py", "--check"]
    assert subprocess.run(check, cwd=tmp_path, capture_output=True).returncode == 0
    entry = tmp_path / "model.py"
    entry.write_text(entry.read_text().replace("max_epochs=3", "max_epochs=5"))
    assert subprocess.run(check, cwd=tmp_path, capture_output=True).returncode == 1
    assert subprocess.run(check[:-1], cwd=tmp_path, capture_output=True).returncode == 0
    assert "MAX_EPOCHS = 5  # --max-epochs" in (tmp_path / "train.py").read_text()


@pytest.mark.slow
@pytest.mark.parametrize("name", ["run_fit_resume", "run_datamodule_state"])
def test_fit_ckpt_path_resumes_as_lightning(tmp_path, name):
    """`trainer.fit(..., ckpt_path=PATH)` in the entry: each side first fits one epoch (Lightning:
    the entry with `max_epochs=1`; the script: `--max-epochs 1`), then the entry resumes from that
    epoch's checkpoint to `max_epochs=3`: the same files (version_1 for the resumed run), equal
    checkpoints (loop progress carried on; a datamodule's state restored), metrics.csv and
    hparams.yaml line for line."""
    case = next(c for c in RUN_CASES if c.name == name)
    theirs, ours, env, _, _ = _short_runs(case, tmp_path, 3, 1)
    made = sorted(_files(theirs / "lightning_logs"))
    assert made == sorted(_files(ours / "lightning_logs")) and "version_0/checkpoints/epoch=0-step=7.ckpt" in made
    lightning_files = _resume_both(case, theirs, ours, env, "lightning_logs/version_0/checkpoints/epoch=0-step=7.ckpt")
    assert any(f.startswith("lightning_logs/version_1/checkpoints/") for f in lightning_files)


def _short_runs(case, tmp_path: Path, full: int, short: int):
    """Each side's first, shorter fit of a run case: Lightning runs the entry with
    `max_epochs=short` (short.py), the script `--max-epochs short`; the entry itself stays."""
    theirs, ours = tmp_path / "lightning", tmp_path / "script"
    theirs.mkdir()
    entry = (case.dir / "model.py").read_text()
    assert f"max_epochs={full}" in entry
    (theirs / "short.py").write_text(entry.replace(f"max_epochs={full}", f"max_epochs={short}"))
    shutil.copy(case.dir / "model.py", theirs / "model.py")
    assert case.eject(ours).returncode == 0
    env = subprocess_env()
    env["CUDA_VISIBLE_DEVICES"] = ""
    first = python(["short.py"], cwd=theirs, env=env, preload=lightning_preload(case.dir / "model.py"))
    assert first.returncode == 0, first.stderr[-4000:]
    first_script = python(["train.py", "--max-epochs", str(short)], cwd=ours, env=env, preload=SCRIPT_PRELOAD)
    assert first_script.returncode == 0, first_script.stderr[-4000:]
    return theirs, ours, env, first, first_script


def _resume_both(case, theirs: Path, ours: Path, env, resume_from: str) -> set[str]:
    """The entry resumed on both sides (`--ckpt resume_from`): the same result lines, the same
    files, equal checkpoints and logger files; the files Lightning wrote."""
    ckpt = ["--ckpt", resume_from]
    lightning = python(["model.py", *ckpt], cwd=theirs, env=env, preload=lightning_preload(case.dir / "model.py"))
    assert lightning.returncode == 0, lightning.stderr[-4000:]
    script = python(["train.py", *ckpt], cwd=ours, env=env, preload=SCRIPT_PRELOAD)
    assert script.returncode == 0, script.stderr[-4000:]
    assert _results(lightning.stdout) and _results(script.stdout) == _results(lightning.stdout)
    lightning_files = _files(theirs) - {"model.py", "short.py"}
    assert _files(ours) - {"model.py", "train.py"} - OWN == lightning_files
    problems = compare_files(theirs, ours, lightning_files)
    assert problems == [], "\n".join(problems)
    return lightning_files


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "full", "short", "folder", "resume_from"),
    [
        # ModelCheckpoint's last.ckpt (written when a top-k file was), EarlyStopping's wait count
        ("run_callbacks_resume", 9, 4, "ckpts", "ckpts/last.ckpt"),
        # the default checkpoint callback's save inside the validation of every second epoch
        ("run_files_val_every_2", 5, 4, "lightning_logs/version_0/checkpoints", "lightning_logs/version_0/checkpoints/epoch=3-step=20.ckpt"),
        # a user callback's state_dict (its recorded losses) back through load_state_dict: it
        # sets should_stop after as many epochs in all as Lightning's
        ("run_user_callbacks", 8, 3, "ckpts", "ckpts/last.ckpt"),
        # a user callback's on_save_checkpoint key, read back by its on_load_checkpoint
        ("run_user_callbacks_hooks", 4, 2, "ckpts", "ckpts/last.ckpt"),
        # under manual optimization: the global step (both optimizers' steps) and the logger's
        # step (the batches, `_batches_that_stepped`) carried on from the manual loop's progress
        ("run_callbacks_manual", 8, 3, "ckpts", "ckpts/last.ckpt"),
    ],
)
def test_callbacks_resume_as_lightning(tmp_path, name, full, short, folder, resume_from):
    """`fit(ckpt_path=...)` with callbacks: each side first fits `short` epochs (Lightning: the
    entry with `max_epochs=short`; the script: `--max-epochs short`), with equal checkpoints, then
    the entry resumes from one of them to `max_epochs=full`: the callbacks' states come back
    (top-k bookkeeping in the same folder, EarlyStopping's wait count), so the same files are
    kept and deleted, the run stops at the same epoch, and every checkpoint is equal, callback
    states included, and metrics.csv line for line."""
    case = next(c for c in RUN_CASES if c.name == name)
    theirs, ours, env, first, first_script = _short_runs(case, tmp_path, full, short)
    assert _results(first_script.stdout) == _results(first.stdout)
    made = sorted(_files(theirs / folder))
    assert made == sorted(_files(ours / folder)) and os.path.relpath(resume_from, folder) in made
    for file in made:
        assert _compare_checkpoints(theirs / folder / file, ours / folder / file, theirs, ours) == []
    _resume_both(case, theirs, ours, env, resume_from)


def test_a_changed_project_file_is_drift(tmp_path):
    """The header records every file the ejection read (under the root, with sha256): a change
    to the model's own file, not the entry, is drift; a re-eject reads it."""
    import subprocess
    import sys

    from lgen.vendor import parse_header

    case = next(c for c in RUN_CASES if c.name == "run_project")
    assert case.eject(tmp_path).returncode == 0
    header = parse_header((tmp_path / "train.py").read_text())
    assert {p for p, _ in header.files} >= {"pkg/models.py", "pkg/data/__init__.py", "pkg/data/synthetic.py", "pkg/layers.py"}
    check = [sys.executable, "-m", "lgen", "eject", "model.py", "-o", "train.py", "--check"]
    assert subprocess.run(check, cwd=tmp_path, capture_output=True).returncode == 0
    models = tmp_path / "pkg" / "models.py"
    models.write_text(models.read_text().replace("HIDDEN = 16", "HIDDEN = 12"))
    assert subprocess.run(check, cwd=tmp_path, capture_output=True).returncode == 1
    # a helper module that stays an import changes nothing in the script's body, yet is drift
    assert subprocess.run(check[:-1], cwd=tmp_path, capture_output=True).returncode == 0
    layers = tmp_path / "pkg" / "layers.py"
    layers.write_text(layers.read_text() + "\n# changed\n")
    assert subprocess.run(check, cwd=tmp_path, capture_output=True).returncode == 1
    assert "HIDDEN = 12" in (tmp_path / "train.py").read_text()


def test_only_the_run_that_python_entry_makes_counts(tmp_path):
    """A Trainer in a function nothing at module level calls (a pytest test, a helper) is not the
    entry's run (contract §4): no "several runs" refusal; that function's own Lightning use is
    what lgen reports, at its place."""
    import subprocess
    import sys

    case = next(c for c in RUN_CASES if c.name == "run_loaders")
    text = (case.dir / "model.py").read_text()
    extra = "\n\ndef test_other():\n    trainer = Trainer(max_epochs=5)\n    trainer.fit(BoringModel())\n"
    (tmp_path / "model.py").write_text(text.replace('\n\nif __name__ == "__main__":', extra + '\n\nif __name__ == "__main__":'))
    r = subprocess.run([sys.executable, "-m", "lgen", "eject", "model.py"], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 1, r.stderr
    assert "LGEN120" not in r.stderr and "LGEN301" in r.stderr
    line = next(i for i, t in enumerate((tmp_path / "model.py").read_text().splitlines(), 1) if "Trainer(max_epochs=5)" in t)
    assert f"model.py:{line}:" in r.stderr


@pytest.mark.slow
def test_the_scripts_max_epochs_replaces_every_trainers(tmp_path):
    """A run whose Trainers compute their `max_epochs` (a function called with 2, then 3): the
    script's `--max-epochs 1` replaces every Trainer's, as the entry with both calls given 1."""
    case = next(c for c in RUN_CASES if c.name == "run_sites_function")
    theirs, ours = tmp_path / "lightning", tmp_path / "script"
    case.copy_into(theirs)
    entry = theirs / "model.py"
    text = entry.read_text()
    assert "train_model(2, lr=0.1)" in text and "train_model(3, lr=0.05)" in text
    entry.write_text(text.replace("train_model(2, lr=0.1)", "train_model(1, lr=0.1)").replace("train_model(3, lr=0.05)", "train_model(1, lr=0.05)"))
    given = _files(theirs)
    assert case.eject(ours).returncode == 0
    env = subprocess_env()
    env["CUDA_VISIBLE_DEVICES"] = ""
    lightning = python(["model.py"], cwd=theirs, env=env, preload=lightning_preload(case.entry))
    assert lightning.returncode == 0, lightning.stderr[-4000:]
    script = python(["train.py", "--max-epochs", "1"], cwd=ours, env=env, preload=SCRIPT_PRELOAD)
    assert script.returncode == 0, script.stderr[-4000:]
    assert _results(lightning.stdout) and _results(script.stdout) == _results(lightning.stdout)
    assert any("version_1/checkpoints/epoch=0-" in f for f in _files(theirs))
    lightning_files = _files(theirs) - given
    assert _files(ours) - given - {"train.py"} - OWN == lightning_files
    assert compare_files(theirs, ours, lightning_files) == []


@pytest.mark.slow
@pytest.mark.parametrize("given", ["batch_size=6, lr=0.02", "batch_size=5"])
def test_model_and_datamodule_hparams_merge_as_lightning(tmp_path, given):
    """run_datamodule_hparams with the model given hyperparameters: the same value under a key
    the datamodule also saves merges into one hparams.yaml (and the model's `hyper_parameters`,
    no longer empty, go into the checkpoints); a different value raises Lightning's RuntimeError
    in both runs."""
    import subprocess
    import sys

    case = next(c for c in RUN_CASES if c.name == "run_datamodule_hparams")
    theirs, ours = tmp_path / "lightning", tmp_path / "script"
    for folder in (theirs, ours):
        folder.mkdir()
        text = (case.dir / "model.py").read_text()
        assert "model = Regressor()" in text
        (folder / "model.py").write_text(text.replace("model = Regressor()", f"model = Regressor({given})"))
    made = subprocess.run([sys.executable, "-m", "lgen", "eject", "model.py", "-o", "train.py"], cwd=ours, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    env = subprocess_env()
    env["CUDA_VISIBLE_DEVICES"] = ""
    lightning = python(["model.py"], cwd=theirs, env=env, preload=lightning_preload(theirs / "model.py"))
    script = python(["train.py"], cwd=ours, env=env, preload=SCRIPT_PRELOAD)
    if given == "batch_size=5":
        message = "Error while merging hparams: the keys ['batch_size'] are present"
        assert lightning.returncode != 0 and message in lightning.stderr
        assert script.returncode != 0 and message in script.stderr
        return
    assert lightning.returncode == 0, lightning.stderr[-4000:]
    assert script.returncode == 0, script.stderr[-4000:]
    assert _results(lightning.stdout) and _results(script.stdout) == _results(lightning.stdout)
    lightning_files = _files(theirs) - {"model.py"}
    assert "lightning_logs/version_0/hparams.yaml" in lightning_files
    assert _files(ours) - {"model.py", "train.py"} - OWN == lightning_files
    assert compare_files(theirs, ours, lightning_files) == []


@pytest.mark.slow
def test_ddp_run_under_torchrun_as_lightning(tmp_path):
    """A run under DDP started by torchrun: Lightning (TorchElasticEnvironment) starts no process
    of its own and takes the ranks torchrun gives; so does the script. Both under
    `torchrun --nproc-per-node 2`: the same lines from every rank, the same files, equal tensors.
    Started with a world size other than the run's devices, both stop before training."""
    import sys

    from equivalence.zygote import fresh

    case = next(c for c in RUN_CASES if c.name == "run_ddp")
    theirs, ours = tmp_path / "lightning", tmp_path / "script"
    case.copy_into(theirs)
    assert case.eject(ours).returncode == 0
    env = subprocess_env()
    env["CUDA_VISIBLE_DEVICES"] = ""
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2"]

    def printed(side, script):
        # torchrun runs `python -u`: each rank's stdout goes to a file of its own, lines whole
        logs = tmp_path / f"logs-{side.name}"
        done = fresh([*torchrun, "--redirects", "1", "--log-dir", str(logs), script], cwd=side, env=env, timeout=600)
        assert done.returncode == 0, done.stderr[-4000:]
        return sorted(line for f in logs.rglob("stdout.log") for line in _results(f.read_text()))

    theirs_lines = printed(theirs, "model.py")
    assert len(theirs_lines) == 10, theirs_lines  # 5 from each rank
    assert printed(ours, "train.py") == theirs_lines
    lightning_files = _files(theirs) - {"model.py"}
    assert lightning_files and _files(ours) - {"model.py", "train.py"} - OWN == lightning_files
    problems = compare_files(theirs, ours, lightning_files)
    assert problems == [], "\n".join(problems)

    three = [*torchrun[:4], "--nproc-per-node", "3", "train.py"]
    script = fresh(three, cwd=ours, env=env, timeout=600)
    assert script.returncode != 0
    assert "does not match the world size (3)" in script.stderr


@pytest.mark.slow
def test_ddp_run_script_options_reach_every_rank(tmp_path):
    """The script's own options are taken out of the command line before the entry's code reads
    it, yet the ranks fit starts get the whole command line again, as Lightning's launcher passes
    `sys.argv`: `python train.py --seed 3 --max-epochs 1` is the entry with `seed_everything(3)`
    and `max_epochs=1` on every rank (the data is drawn after the seed, so a rank without it
    would train on other data)."""
    case = next(c for c in RUN_CASES if c.name == "run_ddp")
    theirs, ours = tmp_path / "lightning", tmp_path / "script"
    theirs.mkdir()
    entry = (case.dir / "model.py").read_text()
    assert "seed_everything(7)" in entry and "max_epochs=2," in entry
    (theirs / "model.py").write_text(entry.replace("seed_everything(7)", "seed_everything(3)").replace("max_epochs=2,", "max_epochs=1,"))
    assert case.eject(ours).returncode == 0
    env = subprocess_env()
    env["CUDA_VISIBLE_DEVICES"] = ""
    env.pop("PYTHONUNBUFFERED", None)  # each rank's lines in one write at its exit
    lightning = python(["model.py"], cwd=theirs, env=env, timeout=600)
    assert lightning.returncode == 0, lightning.stderr[-4000:]
    # a rank without the options would train another epoch and wait for rank 0 forever
    script = python(["train.py", "--seed", "3", "--max-epochs", "1"], cwd=ours, env=env, timeout=600)
    assert script.returncode == 0, script.stderr[-4000:]
    assert len(_results(lightning.stdout)) == 10
    assert sorted(_results(script.stdout)) == sorted(_results(lightning.stdout)), (script.stdout, lightning.stdout)
    problems = compare_files(theirs, ours, {"out/final.ckpt"})
    assert problems == [], "\n".join(problems)
