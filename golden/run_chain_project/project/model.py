"""A run whose model class derives from a task base two files away: pkg/tasks.py's
`Regression(WarmStart, Task)`, Task (BaseTask, imported under another name) re-exported by pkg/core/__init__.py from
pkg/core/base.py (an abstract LightningModule configured by its constructor), WarmStart a mixin
of pkg/mixins.py that defines a hook Lightning calls."""

import argparse

import lightning as L
import torch
from torch.utils.data import DataLoader, TensorDataset

from pkg.tasks import Regression


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=0.05)
    args = parser.parse_args()
    L.seed_everything(11)
    x, y = torch.randn(96, 4), torch.randn(96, 1)
    train = DataLoader(TensorDataset(x[:64], y[:64]), batch_size=8, shuffle=True)
    val = DataLoader(TensorDataset(x[64:], y[64:]), batch_size=16)
    model = Regression(lr=args.lr, hidden=12)
    trainer = L.Trainer(max_epochs=3, logger=False, enable_checkpointing=False, enable_progress_bar=False, accelerator="cpu")
    trainer.fit(model, train, val)
    print("result", trainer.callback_metrics["val_loss"].item(), trainer.callback_metrics["seen"].item(), trainer.global_step)
    trainer.save_checkpoint("final.ckpt")


if __name__ == "__main__":
    main()
