"""Lightning's callbacks with validation every 4 batches counted over the epochs
(`val_check_interval=4, check_val_every_n_epoch=None`, 6 batches an epoch: inside epochs and at
one's end): a ModelCheckpoint keeping the 2 best validations (`{epoch}-{step}-{val_loss:.3f}`,
save_last) and an EarlyStopping, both acting at each validation's end; it stops the run inside
an epoch (Lightning ends the epoch there: its end hooks and metrics, no more batches)."""

import os

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint
from torch.utils.data import DataLoader, TensorDataset


class Regressor(LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(4, 1)
        self.validations = 0

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.layer(x), y)
        self.log("train_loss", loss, on_step=True, on_epoch=True)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.layer(x), y)
        # a score that moves up and down from one validation to the next
        bump = torch.tensor([1.0, 0.4, 0.2, 0.5, 0.6, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5])[self.validations]
        self.log("val_loss", 0.01 * loss + bump)

    def on_validation_epoch_end(self):
        if not self.trainer.sanity_checking:
            self.validations += 1

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.05)


def main():
    seed_everything(17)
    x = torch.randn(30, 4)
    y = x.sum(dim=1, keepdim=True) + 0.1 * torch.randn(30, 1)
    train = DataLoader(TensorDataset(x[:23], y[:23]), batch_size=4, shuffle=True)
    val = DataLoader(TensorDataset(x[23:], y[23:]), batch_size=4)
    best = ModelCheckpoint(monitor="val_loss", save_top_k=2, filename="{epoch}-{step}-{val_loss:.3f}", save_last=True)
    trainer = Trainer(
        max_epochs=8,
        val_check_interval=4,
        check_val_every_n_epoch=None,
        log_every_n_steps=3,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=[best, EarlyStopping(monitor="val_loss", patience=2)],
    )
    model = Regressor()
    trainer.fit(model, train, val)
    print("result best", os.path.relpath(best.best_model_path), best.best_model_score.item())
    print("result k", sorted(os.path.relpath(p) for p in best.best_k_models))
    print("result last", os.path.relpath(best.last_model_path))
    print("result stopped", trainer.current_epoch, trainer.global_step)
    for key, value in sorted(trainer.callback_metrics.items()):
        print("result", key, value.item())


if __name__ == "__main__":
    main()
