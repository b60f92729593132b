"""Two Trainers in one run: the first fits the model when the entry's own `--epochs` asks for
more than one epoch, else a fresh one (fits in the two branches of an `if`), with `max_epochs`
and `default_root_dir` computed from the command line; the second stops at `max_steps`, in its
own folder, and tests."""

import argparse
import os

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from torch.utils.data import DataLoader, TensorDataset


class Regressor(LightningModule):
    def __init__(self, width=4):
        super().__init__()
        self.layer = torch.nn.Linear(width, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.layer(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", torch.nn.functional.mse_loss(self.layer(x), y))

    def test_step(self, batch, batch_idx):
        x, y = batch
        self.log("test_loss", torch.nn.functional.mse_loss(self.layer(x), y))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.05)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--root", default="runs")
    args = parser.parse_args()
    seed_everything(11)
    x = torch.randn(29, 4)
    y = x.sum(dim=1, keepdim=True) + 0.1 * torch.randn(29, 1)
    train = DataLoader(TensorDataset(x, y), batch_size=6, shuffle=True)
    val = DataLoader(TensorDataset(x[:9], y[:9]), batch_size=4)
    model = Regressor()
    first = Trainer(
        max_epochs=args.epochs,
        default_root_dir=os.path.join(args.root, "first"),
        log_every_n_steps=2,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    if args.epochs > 1:
        first.fit(model, train, val)
        print("result first", first.current_epoch, first.global_step)
    else:
        first.fit(Regressor(), train, val)
        print("result first short", first.global_step)
    second = Trainer(
        max_steps=7,
        default_root_dir=os.path.join(args.root, "second"),
        log_every_n_steps=2,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    second.fit(model, train, val)
    print("result second", second.current_epoch, second.global_step)
    for row in second.test(model, val, verbose=False):
        for key, value in sorted(row.items()):
            print("result", key, value)


if __name__ == "__main__":
    main()
