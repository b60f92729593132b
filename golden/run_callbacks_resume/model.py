"""A run resumed with its callbacks' states: a ModelCheckpoint into its own folder (the 2 best by
a val metric that moves up and down, and last.ckpt) and EarlyStopping. `--ckpt PATH` resumes:
the top-k bookkeeping (the folder is the same), the patience count and the best score come back
from the checkpoint, and the file resumed from is never deleted."""

import argparse
import os

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint
from torch.utils.data import DataLoader, TensorDataset


class Regressor(LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.layer(x), y)
        self.log("train_loss", loss, on_step=True, on_epoch=True)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        bump = torch.tensor([0.8, 0.0, 0.5, 0.6, 0.1, 0.9, 0.7, 0.8, 0.9, 1.0])[self.current_epoch]
        self.log("val_loss", torch.nn.functional.mse_loss(self.layer(x), y) + bump)

    def configure_optimizers(self):
        optimizer = torch.optim.SGD(self.parameters(), lr=0.05, momentum=0.9)
        return [optimizer], [torch.optim.lr_scheduler.StepLR(optimizer, 2, 0.5)]


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--ckpt", default=None)
    args = parser.parse_args()
    seed_everything(7)
    x = torch.randn(36, 4)
    y = x.sum(dim=1, keepdim=True)
    train = DataLoader(TensorDataset(x[:28], y[:28]), batch_size=4, shuffle=True)
    val = DataLoader(TensorDataset(x[28:], y[28:]), batch_size=4)
    checkpoint = ModelCheckpoint(dirpath="ckpts", monitor="val_loss", save_top_k=2, save_last=True)
    stopping = EarlyStopping(monitor="val_loss", patience=3)
    trainer = Trainer(max_epochs=9, log_every_n_steps=3, enable_progress_bar=False, enable_model_summary=False, callbacks=[checkpoint, stopping])
    trainer.fit(Regressor(), train, val, ckpt_path=args.ckpt)
    print("result", sorted((k, v.item()) for k, v in trainer.callback_metrics.items()))
    print("result step", trainer.global_step, trainer.current_epoch, stopping.wait_count, stopping.stopped_epoch)
    print("result best", os.path.relpath(checkpoint.best_model_path), sorted(os.path.relpath(p) for p in checkpoint.best_k_models))
