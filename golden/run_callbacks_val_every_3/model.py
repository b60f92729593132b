"""check_val_every_n_epoch=3 with callbacks: EarlyStopping checks when validation ends (every
third epoch) and stops the run; a ModelCheckpoint by the val metric saves then too, and one with
save_on_train_epoch_end=True saves at every epoch's end, its state following the epochs."""

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
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        bump = torch.tensor([0.0, 0.0, 0.4, 0.0, 0.0, 0.1, 0.0, 0.0, 3.0, 0.0, 0.0, 0.9])[self.current_epoch]
        self.log("val_loss", torch.nn.functional.mse_loss(self.layer(x), y) + bump)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=0.02)


def main():
    seed_everything(8)
    x = torch.randn(30, 4)
    y = x.sum(dim=1, keepdim=True)
    train = DataLoader(TensorDataset(x[:20], y[:20]), batch_size=6, shuffle=True)
    val = DataLoader(TensorDataset(x[20:], y[20:]), batch_size=5)
    best = ModelCheckpoint(monitor="val_loss", filename="{epoch}-{val_loss:.3f}")
    each = ModelCheckpoint(dirpath="each", save_on_train_epoch_end=True, save_top_k=-1)
    trainer = Trainer(
        max_epochs=12,
        check_val_every_n_epoch=3,
        log_every_n_steps=4,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=[each, EarlyStopping(monitor="val_loss", patience=1), best],
    )
    trainer.fit(Regressor(), train, val)
    print("result", trainer.current_epoch, trainer.global_step, os.path.relpath(best.best_model_path))
    print("result", sorted(os.listdir("each")), os.path.relpath(each.best_model_path))


if __name__ == "__main__":
    main()
