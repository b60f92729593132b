"""A run whose model takes availability flags (and a table defined under one of them) from package
modules that import Lightning (a library's `utils/__init__.py`, its model zoo): what it uses is
carried into the script, lightning_utilities' `module_available` / `package_available` /
`compare_version` become plain definitions."""

import lightning as L
import torch
from torch.utils.data import DataLoader, TensorDataset

from pkg.models import Regressor


def main():
    L.seed_everything(7)
    x = torch.randn(64, 4)
    y = torch.sin(x.sum(1, keepdim=True))
    train = DataLoader(TensorDataset(x[:48], y[:48]), batch_size=8, shuffle=True)
    val = DataLoader(TensorDataset(x[48:], y[48:]), batch_size=16)
    model = Regressor()
    trainer = L.Trainer(max_epochs=2, logger=False, enable_checkpointing=False, enable_progress_bar=False, accelerator="cpu")
    trainer.fit(model, train, val)
    print("result val_loss", trainer.callback_metrics["val_loss"].item(), trainer.global_step, model.gain)
    trainer.save_checkpoint("final.ckpt")


if __name__ == "__main__":
    main()
