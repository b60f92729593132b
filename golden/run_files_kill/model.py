"""A run whose checkpoints a kill test targets (tests/test_kill.py): Lightning's default
checkpoint callback saves `epoch=E-step=S.ckpt` at every epoch's end and removes the one before.
Nothing random after the model is built (no shuffling, no dropout), so a run resumed from an
epoch's checkpoint with `--ckpt` ends where an uninterrupted run ends, tensor for tensor; the
checkpoints are a few MB (Adam's state), so a kill can land inside a save."""

import argparse

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from torch.utils.data import DataLoader, TensorDataset


class Regressor(LightningModule):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(
            torch.nn.Linear(32, 256), torch.nn.Tanh(), torch.nn.Linear(256, 256), torch.nn.Tanh(), torch.nn.Linear(256, 1)
        )

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.net(x), y)
        self.log("loss", loss, on_step=True, on_epoch=True)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", torch.nn.functional.mse_loss(self.net(x), y))

    def configure_optimizers(self):
        optimizer = torch.optim.Adam(self.parameters(), lr=1e-3)
        return [optimizer], [torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)]


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--ckpt", default=None)
    args = parser.parse_args()
    seed_everything(11)
    x = torch.randn(120, 32)
    y = x[:, :4].sum(dim=1, keepdim=True).sin()
    train = DataLoader(TensorDataset(x[:96], y[:96]), batch_size=8)
    val = DataLoader(TensorDataset(x[96:], y[96:]), batch_size=8)
    trainer = Trainer(max_epochs=8, log_every_n_steps=5, enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(Regressor(), train, val, ckpt_path=args.ckpt)
    print("result", sorted((k, v.item()) for k, v in trainer.callback_metrics.items()))
    print("result step", trainer.global_step, trainer.current_epoch)
