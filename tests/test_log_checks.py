"""Lightning's run-time checks in `self.log` that a plain loop would skip: the ejected script raises
where Lightning 2.6.6 raises, with Lightning's words (`LightningModule.log`: the value's type,
a single element, no `/dataloader_idx_` in the name), and runs where Lightning runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from equivalence.harness import RunError, compare, run_ejected, run_lightning

MODEL = '''\
import torch
from lightning.pytorch import LightningModule
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class CheckModel(LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = nn.functional.mse_loss(self.layer(x), y)
        TRAIN_LOG
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        VAL_LOG

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)

    def train_dataloader(self):
        return DataLoader(TensorDataset(torch.randn(16, 4), torch.randn(16, 1)), batch_size=4)

    def val_dataloader(self):
        return DataLoader(TensorDataset(torch.randn(8, 4), torch.randn(8, 1)), batch_size=4)
'''

OK_TRAIN = 'self.log("train_loss", loss)'
OK_VAL = 'self.log("val_loss", nn.functional.mse_loss(self.layer(x), y))'

RAISES = {
    # a tensor of several elements, in training_step
    "several_elements": ('self.log("train_loss", loss * torch.ones(3))', OK_VAL, "must have a single element"),
    # ... in validation_step: Lightning checks it during the sanity check already
    "several_elements_in_sanity_check": (OK_TRAIN, 'self.log("val_x", x)', "must have a single element"),
    "not_a_number": ('self.log("train_loss", "low")', OK_VAL, "`str` values cannot be logged"),
    "dataloader_idx_in_name": (
        'self.log("train_loss/dataloader_idx_0", loss)', OK_VAL, "should not contain information about `dataloader_idx`"
    ),
}


def _write(tmp_path: Path, train_log: str, val_log: str) -> Path:
    path = tmp_path / "model.py"
    path.write_text(MODEL.replace("TRAIN_LOG", train_log).replace("VAL_LOG", val_log))
    return path


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(RAISES))
def test_script_raises_where_lightning_raises(case, tmp_path):
    train_log, val_log, message = RAISES[case]
    model = _write(tmp_path, train_log, val_log)
    with pytest.raises(RunError) as lightning:
        run_lightning(model, "CheckModel", {"max_epochs": 1}, 1234, tmp_path / "lightning")
    assert message in lightning.value.stderr, lightning.value.stderr[-2000:]
    with pytest.raises(RunError) as ejected:
        run_ejected(model, "CheckModel", {"max_epochs": 1}, 1234, tmp_path / "ejected")
    assert "lgen eject" not in str(ejected.value).splitlines()[0], "lgen refused it; Lightning raises at run time"
    assert message in ejected.value.stderr, ejected.value.stderr[-2000:]


@pytest.mark.slow
def test_what_lightning_accepts_runs(tmp_path):
    """The neighbours of the refused values: a one-element tensor of any shape, a number, and the
    `/dataloader_idx_` name with add_dataloader_idx=False."""
    train_log = (
        'self.log("train_loss", loss.reshape(1, 1)); self.log("n", 3)'
        '; self.log("a/dataloader_idx_0", loss, add_dataloader_idx=False)'
    )
    model = _write(tmp_path, train_log, OK_VAL)
    theirs = run_lightning(model, "CheckModel", {"max_epochs": 2}, 1234, tmp_path / "lightning")
    ours = run_ejected(model, "CheckModel", {"max_epochs": 2}, 1234, tmp_path / "ejected")
    assert compare(theirs, ours) == []
