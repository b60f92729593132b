"""Loggers given to the Trainer (issue 16): what lgen refuses, located and named, and where the
run's loggers reach the code. The equivalence of what it ejects is proven by the `run_logger_*`
golden runs (tests/test_runs.py); these are the static decisions, through the real command."""

from __future__ import annotations

import textwrap

import pytest
from test_cli_errors import assert_clean, lgen

MODEL = '''\
import lightning.pytorch as pl
import torch
{imports}


class Model(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        {step}
        return torch.nn.functional.mse_loss(self.layer(x), y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)

    def train_dataloader(self):
        return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.randn(8, 4), torch.randn(8, 1)), batch_size=4)
'''
RUN = '''

if __name__ == "__main__":
    {before}
    trainer = pl.Trainer(max_epochs=1, {logger})
    trainer.fit(Model())
'''


def _entry(tmp_path, imports="", step="pass", before="pass", logger=None, run=True):
    text = MODEL.format(imports=imports, step=step)
    if run:
        text += RUN.format(before=before, logger="" if logger is None else f"logger={logger}")
    path = tmp_path / "entry.py"
    path.write_text(textwrap.dedent(text))
    return path


@pytest.mark.parametrize(
    "imports, logger, name",
    [
        ("from lightning.pytorch.loggers import WandbLogger", 'WandbLogger(project="p")', "WandbLogger"),
        ("from pytorch_lightning.loggers.mlflow import MLFlowLogger", "MLFlowLogger()", "MLFlowLogger"),
        ("", 'pl.loggers.TensorBoardLogger("tb")', "TensorBoardLogger"),
        ("from lightning.fabric.loggers import CSVLogger", 'CSVLogger("logs")', "Fabric's CSVLogger"),
        ("from lightning.pytorch.loggers import CSVLogger, CometLogger", '[CSVLogger("a"), CometLogger()]', "CometLogger"),
    ],
)
def test_other_loggers_are_refused_by_name(tmp_path, imports, logger, name):
    p = lgen("eject", str(_entry(tmp_path, imports=imports, logger=logger)), "-o", str(tmp_path / "out.py"))
    assert_clean(p, 1)
    assert f"LGEN122 error: `{name}` is not ejected" in p.stderr
    assert not (tmp_path / "out.py").exists()


def test_csvlogger_with_logger_false_is_refused(tmp_path):
    entry = _entry(tmp_path, imports="from lightning.pytorch.loggers import CSVLogger", before='unused = CSVLogger("logs")', logger="False")
    p = lgen("eject", str(entry), "-o", str(tmp_path / "out.py"))
    assert_clean(p, 1)
    assert "LGEN122 error: a `CSVLogger` built in a run whose Trainer has `logger=False`" in p.stderr


def test_self_logger_in_a_model_file_stays_refused(tmp_path):
    # no run: no Trainer, no logger for `self.logger` to reach
    entry = _entry(tmp_path, step='self.logger.log_metrics({"a": 1.0})', run=False)
    p = lgen("eject", str(entry), "-o", str(tmp_path / "out.py"))
    assert_clean(p, 1)
    assert "LGEN301" in p.stderr and "self.logger" in p.stderr


def test_self_logger_in_a_run_reads_the_loop(tmp_path):
    entry = _entry(tmp_path, step='self.logger.log_metrics({"a": 1.0})', logger="True")
    out = tmp_path / "out.py"
    p = lgen("eject", str(entry), "-o", str(out))
    assert p.returncode == 0, p.stderr
    text = out.read_text()
    assert 'self.loop.logger.log_metrics({"a": 1.0})  # lgen: was self.logger' in text
    assert "class CSVLogger:" in text and "def default_logger(" in text
