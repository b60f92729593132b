"""Constructs Lightning 2.6.6 itself rejects: lgen refuses them (a located diagnostic, nothing
written) and the same file under Lightning stops with the error the diagnostic names."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("attr", ["add_argparse_args", "from_argparse_args"])
def test_trainer_argparse_methods_are_gone_in_lightning(attr):
    """Lightning 2.6.6's Trainer (and LightningDataModule) have no argparse class methods."""
    import lightning.pytorch as pl

    for cls in (pl.Trainer, pl.LightningDataModule):
        with pytest.raises(AttributeError):
            getattr(cls, attr)


def test_err_trainer_argparse_fails_under_lightning(tmp_path):
    """The golden err_trainer_argparse model stops under Lightning with the AttributeError
    that LGEN130 announces, and lgen refuses it, located, writing nothing."""
    model = REPO / "golden" / "err_trainer_argparse" / "model.py"
    p = subprocess.run([sys.executable, str(model)], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert p.returncode != 0
    assert "AttributeError: type object 'Trainer' has no attribute 'add_argparse_args'" in p.stderr
    out = tmp_path / "train.py"
    e = subprocess.run([sys.executable, "-m", "lgen", "eject", str(model), "-o", str(out)], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert e.returncode == 1, e.stderr
    assert "model.py:25:14: LGEN130" in e.stderr and "add_argparse_args" in e.stderr
    assert not out.exists()
