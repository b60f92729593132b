"""Callbacks that act when validation ends: a ModelCheckpoint maximizing a val metric with
save_on_train_epoch_end=False (it saves inside the epoch's last validation), weights only, its
last.ckpt a link; a second one with save_top_k=0 that writes only last.ckpt when training ends;
EarlyStopping with mode="max", check_on_train_epoch_end=False and a stopping threshold."""

import os

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint
from torch.utils.data import DataLoader, TensorDataset


class Scorer(LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(3, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.layer(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        error = torch.nn.functional.mse_loss(self.layer(x), y)
        # a score that rises and falls from epoch to epoch
        wobble = torch.tensor([0.0, 0.3, 0.1, 0.5, 0.2, 0.4, 0.9, 0.3])[self.current_epoch]
        self.log("val_acc", 1.0 / (1.0 + error) + wobble)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=0.05)


def main():
    seed_everything(11)
    x = torch.randn(29, 3)
    y = (x * torch.tensor([1.0, -2.0, 0.5])).sum(dim=1, keepdim=True)
    train = DataLoader(TensorDataset(x[:20], y[:20]), batch_size=4, shuffle=True)
    val = DataLoader(TensorDataset(x[20:], y[20:]), batch_size=3)
    top = ModelCheckpoint(
        monitor="val_acc",
        mode="max",
        filename="best-{val_acc:.4f}",
        save_on_train_epoch_end=False,
        save_weights_only=True,
        save_last="link",
    )
    trainer = Trainer(
        max_epochs=8,
        log_every_n_steps=3,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=[
            ModelCheckpoint(dirpath="final", save_top_k=0, save_last=True),
            EarlyStopping(monitor="val_acc", mode="max", patience=5, check_on_train_epoch_end=False, stopping_threshold=1.35),
            top,
        ],
    )
    model = Scorer()
    trainer.fit(model, train, val)
    print("result best", os.path.relpath(top.best_model_path), top.best_model_score.item())
    print("result last", os.path.relpath(top.last_model_path), os.path.islink(top.last_model_path))
    print("result stopped", trainer.current_epoch, trainer.global_step, trainer.early_stopping_callback.stopped_epoch)
    print("result reason", trainer.early_stopping_callback.stopping_reason_message)


if __name__ == "__main__":
    main()
