"""Running generated scripts as a user would: the README example, resume, progress output."""

import os
from pathlib import Path

import pytest
import torch
from equivalence.harness import run_lightning
from equivalence.zygote import LGEN_PRELOAD, SCRIPT_PRELOAD, python

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}


# `python -m lgen` and `python train.py` run forked from a warm interpreter (equivalence/zygote.py;
# LGEN_TEST_FRESH_PROCESSES=1: as fresh processes)


def eject(tmp_path, *flags):
    out = tmp_path / "train.py"
    r = python(
        ["-m", "lgen", "eject", str(ROOT / "examples" / "mlp.py"), "-o", str(out), *flags],
        cwd=os.getcwd(),
        preload=LGEN_PRELOAD,
    )
    assert r.returncode == 0, r.stderr
    return out


def train(script, *args):
    r = python([str(script), "--accelerator", "cpu", *args], cwd=os.getcwd(), env=ENV, preload=SCRIPT_PRELOAD)
    assert r.returncode == 0, r.stderr
    return r


@pytest.mark.slow
def test_example_trains_and_reports_progress(tmp_path):
    script = eject(tmp_path, "--max-epochs", "2")
    r = train(script, "--seed", "42", "--out-dir", str(tmp_path / "out"))
    lines = r.stderr.splitlines()
    assert any(line.startswith("epoch 0 done") and "val_loss=" in line for line in lines), r.stderr
    ckpt = torch.load(tmp_path / "out" / "last.ckpt", weights_only=True)
    assert (ckpt["epoch"], ckpt["global_step"]) == (2, 32)
    assert set(ckpt["state_dict"]) == {"net.0.weight", "net.0.bias", "net.3.weight", "net.3.bias"}


@pytest.mark.slow
def test_resume_from_own_checkpoint_continues(tmp_path):
    script = eject(tmp_path, "--max-epochs", "1")
    train(script, "--seed", "1", "--out-dir", str(tmp_path / "a"))
    first = torch.load(tmp_path / "a" / "last.ckpt", weights_only=True)
    train(script, "--seed", "1", "--out-dir", str(tmp_path / "b"), "--max-epochs", "3", "--resume", str(tmp_path / "a" / "last.ckpt"))
    resumed = torch.load(tmp_path / "b" / "last.ckpt", weights_only=True)
    assert (first["epoch"], first["global_step"]) == (1, 16)
    assert (resumed["epoch"], resumed["global_step"]) == (3, 48)
    assert resumed["optimizer_states"][0]["state"][0]["step"].item() == 48
    assert resumed["lr_schedulers"][0]["last_epoch"] == 3


@pytest.mark.slow
def test_resume_from_lightning_checkpoint(tmp_path):
    ckpt = run_lightning(str(ROOT / "examples" / "mlp.py"), "LitRegressor", {"max_epochs": 2}, 3, tmp_path / "lightning")
    script = eject(tmp_path, "--max-epochs", "3")
    train(script, "--seed", "3", "--out-dir", str(tmp_path / "b"), "--resume", str(ckpt))
    resumed = torch.load(tmp_path / "b" / "last.ckpt", weights_only=True)
    assert (resumed["epoch"], resumed["global_step"]) == (3, 48)
    assert resumed["optimizer_states"][0]["state"][0]["step"].item() == 48
