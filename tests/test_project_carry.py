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


def test_a_carried_definition_takes_the_blocks_that_bind_its_names(tmp_path):
    """Module-level names bound only in an `if` / `try` block (`try: from math import tau as TAU`
    / `except ImportError: ...`) come with the carried function that reads them: the whole block
    is carried, and the script runs (before, it named SCALE and TAU without defining them)."""
    (tmp_path / "setup.py").write_text("")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("import lightning  # the package imports Lightning\n")
    (tmp_path / "pkg" / "helpers.py").write_text(textwrap.dedent('''
        import torch

        try:
            from math import tau as TAU
        except ImportError:
            TAU = 6.283185307179586

        if torch.__version__:
            SCALE = 0.5
        else:
            SCALE = 1.0


        def scale(x):
            return x * SCALE * TAU
    '''))
    (tmp_path / "model.py").write_text(textwrap.dedent('''
        import lightning as L
        import torch

        from pkg.helpers import scale


        class Model(L.LightningModule):
            def __init__(self):
                super().__init__()
                self.layer = torch.nn.Linear(2, 1)

            def training_step(self, batch, batch_idx):
                return scale(self.layer(batch)).pow(2).mean()

            def train_dataloader(self):
                return torch.utils.data.DataLoader(torch.ones(8, 2), batch_size=4)

            def configure_optimizers(self):
                return torch.optim.SGD(self.parameters(), lr=0.1)
    '''))
    made = subprocess.run([sys.executable, "-m", "lgen", "eject", "model.py", "-o", "train.py"], cwd=tmp_path, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    script = (tmp_path / "train.py").read_text()
    assert "    from math import tau as TAU\nexcept ImportError:" in script and "    SCALE = 0.5\nelse:" in script
    ran = subprocess.run([sys.executable, "train.py", "--max-epochs", "1", "--accelerator", "cpu"], cwd=tmp_path, capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr[-2000:]


def _model_project(tmp_path: Path, other: str, model_head: str, model_body: str = "") -> Path:
    """An entry importing `Net` from pkg/models.py, which takes names from pkg/other.py."""
    (tmp_path / "setup.py").write_text("")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "other.py").write_text(textwrap.dedent(other))
    (tmp_path / "pkg" / "models.py").write_text(
        "import lightning.pytorch as pl\nimport torch\n" + textwrap.dedent(model_head) + textwrap.dedent('''

        class Net(pl.LightningModule):
            def __init__(self):
                super().__init__()
                self.layer = torch.nn.Linear(2, 1)

            def training_step(self, batch, batch_idx):
                return self.layer(batch).pow(2).mean()

            def configure_optimizers(self):
                return torch.optim.SGD(self.parameters(), lr=0.1)
        ''') + textwrap.indent(textwrap.dedent(model_body), "    ")
    )
    (tmp_path / "model.py").write_text(textwrap.dedent('''
        import lightning as L
        import torch

        from pkg.models import Net

        if __name__ == "__main__":
            trainer = L.Trainer(max_epochs=1, logger=False, enable_checkpointing=False)
            trainer.fit(Net(), torch.utils.data.DataLoader(torch.ones(8, 2), batch_size=4))
    '''))
    return tmp_path


def test_a_lightning_callback_subclass_the_model_uses_stays_located(tmp_path):
    """A `BasePredictionWriter` subclass (Lightning's own callback class, whose writing the
    script does not reproduce) is no plain `Callback`: it is not spliced, and the refusal names
    its file and line."""
    other = """
        from lightning.pytorch.callbacks import BasePredictionWriter


        class Capture(BasePredictionWriter):
            def write_on_epoch_end(self, trainer, pl_module, predictions, batch_indices):
                self.result = predictions
        """
    body = """
        def configure_callbacks(self):
            return [Capture(write_interval="epoch")]
        """
    result = _eject(_model_project(tmp_path, other, "\nfrom pkg.other import Capture\n", body))
    assert result.returncode == 1, result.stderr
    assert "pkg/other.py:5:7: LGEN128" in result.stderr and "`Capture`" in result.stderr
    assert "a subclass of Lightning's `lightning.pytorch.callbacks.BasePredictionWriter`" in result.stderr
    assert not (tmp_path / "train.py").exists()


def test_a_flag_built_with_lightning_itself_stays_located(tmp_path):
    """lightning_utilities' checks are carried as plain definitions; a flag that reads Lightning's
    own objects (here its version module) is not, and the refusal names the line."""
    other = """
        import operator

        import lightning
        from lightning_utilities.core.imports import compare_version

        _OK = compare_version("torch", operator.ge, "1.0")
        _NEW = lightning.__version__ >= "2"
        """
    body = """
        def on_train_start(self):
            print(_OK, _NEW)
        """
    result = _eject(_model_project(tmp_path, other, "\nfrom pkg.other import _NEW, _OK\n", body))
    assert result.returncode == 1, result.stderr
    assert "pkg/other.py:8:1: LGEN128" in result.stderr and "`_NEW`" in result.stderr
    assert "pkg/other.py:7" not in result.stderr
