"""ModelCheckpoint(every_n_train_steps=N): saves after the batch whose optimizer step reaches a
multiple of N (with accumulate_grad_batches=2 every other batch steps), with the loop progress of
a batch's end (the batch processed, not completed). One keeps every file (`save_top_k=-1`);
one monitors a validation metric: before any validation, and at an epoch's last batch with the
validation still to come (`val_check_interval=0.5`: validation inside epochs, so it saves when
validation ends), its save waits for the validation's end; save_last."""

import os

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from lightning.pytorch.callbacks import ModelCheckpoint
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
        loss = torch.nn.functional.mse_loss(self.layer(x), y)
        bump = torch.tensor([0.5, 0.1, 0.4, 0.2, 0.9, 0.3, 0.7, 0.8, 0.6, 1.0])[self.global_step % 10]
        self.log("val_loss", 0.01 * loss + bump)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.05, momentum=0.5)


def main():
    seed_everything(23)
    x = torch.randn(38, 4)
    y = x.sum(dim=1, keepdim=True) + 0.1 * torch.randn(38, 1)
    train = DataLoader(TensorDataset(x[:30], y[:30]), batch_size=4, shuffle=True)
    val = DataLoader(TensorDataset(x[30:], y[30:]), batch_size=4)
    every = ModelCheckpoint(dirpath="steps", every_n_train_steps=3, save_top_k=-1)
    best = ModelCheckpoint(monitor="val_loss", every_n_train_steps=2, save_top_k=2, save_last=True, filename="{epoch}-{step}-{val_loss:.2f}")
    trainer = Trainer(
        max_epochs=3,
        accumulate_grad_batches=2,
        val_check_interval=0.5,
        log_every_n_steps=2,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=[every, best],
    )
    model = Regressor()
    trainer.fit(model, train, val)
    print("result every", sorted(os.path.relpath(p) for p in every.best_k_models))
    print("result best", os.path.relpath(best.best_model_path), best.best_model_score.item())
    print("result k", sorted(os.path.relpath(p) for p in best.best_k_models))
    print("result last", os.path.relpath(best.last_model_path))
    for key, value in sorted(trainer.callback_metrics.items()):
        print("result", key, value.item())


if __name__ == "__main__":
    main()
