"""A run with its own callbacks: a ModelCheckpoint keeping the 2 best epochs by a val metric
that moves up and down (filename with metric patterns, save_last), EarlyStopping with patience
and min_delta (it stops the run before max_epochs), and a second ModelCheckpoint into its own
folder every 2 epochs keeping all (auto_insert_metric_name=False). Listed before the
EarlyStopping, the checkpoint callbacks still run after it, as Lightning orders them."""

import os

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint
from torch.utils.data import DataLoader, TensorDataset


class Regressor(LightningModule):
    def __init__(self, lr: float = 0.05):
        super().__init__()
        self.save_hyperparameters()
        self.layer = torch.nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.layer(x), y)
        self.log("train_loss", loss, on_step=True, on_epoch=True)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.layer(x), y)
        # a metric that goes up and down from epoch to epoch: top-k and patience choices show
        bump = torch.tensor([0.0, 0.9, 0.2, 1.1, 0.6, 1.5, 1.4, 1.3, 1.2, 1.1])[self.current_epoch]
        self.log("val_loss", loss + bump)

    def test_step(self, batch, batch_idx):
        x, y = batch
        self.log("test_loss", torch.nn.functional.mse_loss(self.layer(x), y))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


def main():
    seed_everything(5)
    x = torch.randn(34, 4)
    y = x.sum(dim=1, keepdim=True) + 0.1 * torch.randn(34, 1)
    train = DataLoader(TensorDataset(x[:24], y[:24]), batch_size=5, shuffle=True)
    val = DataLoader(TensorDataset(x[24:], y[24:]), batch_size=4)
    best = ModelCheckpoint(monitor="val_loss", save_top_k=2, filename="{epoch}-{val_loss:.3f}", save_last=True)
    every = ModelCheckpoint(dirpath="every", filename="e{epoch:02d}", save_top_k=-1, every_n_epochs=2, auto_insert_metric_name=False)
    trainer = Trainer(
        max_epochs=10,
        log_every_n_steps=2,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=[best, every, EarlyStopping(monitor="val_loss", patience=3, min_delta=0.01)],
    )
    model = Regressor()
    trainer.fit(model, train, val)
    print("result best", os.path.relpath(best.best_model_path), best.best_model_score.item())
    print("result last", os.path.relpath(best.last_model_path))
    print("result kth", os.path.relpath(best.kth_best_model_path), best.kth_value.item())
    print("result k", sorted(os.path.relpath(p) for p in best.best_k_models))
    print("result every", sorted(os.path.relpath(p) for p in every.best_k_models), os.path.relpath(every.best_model_path))
    print("result stopped", trainer.current_epoch, trainer.global_step)
    print("result cb", os.path.relpath(trainer.checkpoint_callback.best_model_path))
    print("result test", trainer.test(model, val, ckpt_path="best", verbose=False))


if __name__ == "__main__":
    main()
