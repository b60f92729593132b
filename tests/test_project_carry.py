"""Definitions carried from project modules that import Lightning (contract §4): what stays
refused is located, a change to a carried file is drift, and the carried code is the user's."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from golden_cases import load_cases

ENTRY = '''
import lightning as L
import torch
from torch.utils.data import DataLoader, TensorDataset

from pkg.models import Regressor
{extra}

def main():
    x = torch.randn(16, 4)
    loader = DataLoader(TensorDataset(x, x.sum(1, keepdim=True)), batch_size=8)
    model = Regressor()
    trainer = L.Trainer(max_epochs=1, logger=False, enable_checkpointing=False)
    trainer.fit(model, loader)


if __name__ == "__main__":
    main()
'''

MODELS = '''
import lightning.pytorch as pl
import torch

from .layers import make_net


class Regressor(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = make_net(4)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return torch.nn.functional.mse_loss(self.net(x), y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)
'''


def _project(tmp_path: Path, layers: str, extra: str = "") -> Path:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("import lightning.pytorch as pl\n\nfrom .models import Regressor\n")
    (tmp_path / "pkg" / "models.py").write_text(MODELS)
    (tmp_path / "pkg" / "layers.py").write_text(textwrap.dedent(layers))
    (tmp_path / "model.py").write_text(ENTRY.format(extra=extra))
    return tmp_path


def _eject(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lgen", "eject", "model.py", "-o", "train.py", *args], cwd=folder, capture_output=True, text=True)


def test_a_carried_name_that_clashes_with_the_entry_is_located(tmp_path):
    layers = """
        import torch

        WIDTH = 8


        def make_net(n):
            return torch.nn.Linear(n, 1)
        """
    # the entry binds `make_net` to something else: the carried definition would shadow it
    folder = _project(tmp_path, layers, extra="\n\ndef make_net(n):\n    return None\n")
    result = _eject(folder)
    assert result.returncode == 1, result.stderr
    assert "pkg/layers.py:" in result.stderr and "LGEN128" in result.stderr and "rename one" in result.stderr
    assert not (folder / "train.py").exists()


def test_an_import_of_such_a_module_inside_a_function_is_located(tmp_path):
    layers = """
        import torch


        def make_net(n):
            from pkg.models import Regressor  # noqa: F401  (imports Lightning when called)

            return torch.nn.Linear(n, 1)
        """
    result = _eject(_project(tmp_path, layers))
    assert result.returncode == 1, result.stderr
    assert "pkg/layers.py:6:" in result.stderr and "which imports Lightning" in result.stderr


def test_a_plain_import_of_such_a_module_is_located(tmp_path):
    result = _eject(_project(tmp_path, "import torch\n\n\ndef make_net(n):\n    return torch.nn.Linear(n, 1)\n", extra="import pkg.layers\n"))
    assert result.returncode == 1, result.stderr
    assert "model.py:7:1: LGEN128" in result.stderr and "by name" in result.stderr


def test_a_change_to_a_carried_file_is_drift(tmp_path):
    case = next(c for c in load_cases() if c.name == "run_project_carried")
    assert case.eject(tmp_path).returncode == 0
    check = [sys.executable, "-m", "lgen", "eject", "model.py", "-o", "train.py", "--check"]
    assert subprocess.run(check, cwd=tmp_path, capture_output=True).returncode == 0
    init = tmp_path / "pkg" / "init.py"  # reached only through a carried helper's own import
    init.write_text(init.read_text().replace("fill_(0.1)", "fill_(0.2)"))
    assert subprocess.run(check, cwd=tmp_path, capture_output=True).returncode == 1
    assert subprocess.run(check[:-1], cwd=tmp_path, capture_output=True).returncode == 0
    assert "fill_(0.2)" in (tmp_path / "train.py").read_text()
