"""Trainers that differ in `gradient_clip_val` (the UvA transformer tutorial's shape): a function
called with a clip value per task, and a Trainer without clipping; each run clips its own
gradients (or none), which shows in every checkpoint and metrics row."""

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from torch.utils.data import DataLoader, TensorDataset


class Regressor(LightningModule):
    def __init__(self, lr=0.3):
        super().__init__()
        self.save_hyperparameters()
        self.layer = torch.nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.layer(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", torch.nn.functional.mse_loss(self.layer(x), y))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


def data():
    x = torch.randn(30, 4)
    y = 3 * x.sum(dim=1, keepdim=True) + 2
    return DataLoader(TensorDataset(x[:20], y[:20]), batch_size=4, shuffle=True), DataLoader(TensorDataset(x[20:], y[20:]), batch_size=5)


def train_task(name, clip):
    train, val = data()
    trainer = Trainer(
        default_root_dir=name,
        max_epochs=2,
        gradient_clip_val=clip,
        log_every_n_steps=1,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    trainer.fit(Regressor(), train, val)
    for key, value in sorted(trainer.callback_metrics.items()):
        print("result", name, key, value.item())


def train_unclipped():
    train, val = data()
    trainer = Trainer(default_root_dir="unclipped", max_epochs=2, log_every_n_steps=1, enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(Regressor(lr=0.05), train, val)
    for key, value in sorted(trainer.callback_metrics.items()):
        print("result unclipped", key, value.item())


if __name__ == "__main__":
    seed_everything(11)
    train_task("reverse", 5)
    train_task("anomaly", 0.25)
    train_unclipped()
