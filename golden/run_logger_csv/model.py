"""A run given its own CSVLogger, built by the entry from its values (save_dir from a config
object, the name from its argparse options, a str version, a prefix, a flush every 3 steps):
metrics.csv keys joined to the prefix with "-", hparams.yaml, the default checkpoint in the
logger's folder. The model writes through `self.logger` (log_metrics with and without a step,
log_hyperparams, which adds to hparams.yaml); the entry sets an attribute on `trainer.logger`
and reads its folders back."""

import argparse
import os

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from lightning.pytorch.loggers import CSVLogger
from torch.utils.data import DataLoader, TensorDataset


class Config:
    save_dir = "logs"


class Regressor(LightningModule):
    def __init__(self, lr: float = 0.05):
        super().__init__()
        self.save_hyperparameters()
        self.layer = torch.nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.layer(x), y)
        self.log("train_loss", loss, on_step=True, on_epoch=True)
        if batch_idx == 1:
            self.logger.log_metrics({"twice": loss.detach() * 2}, step=self.global_step)
        if batch_idx == 2:
            self.logger.log_metrics({"weight": self.layer.weight.sum()})
        return loss

    def on_train_epoch_end(self):
        self.logger.log_hyperparams({"epochs_seen": self.current_epoch + 1})

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", torch.nn.functional.mse_loss(self.layer(x), y))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--name", default="exp")
    args = parser.parse_args()
    seed_everything(7)
    x = torch.randn(28, 4)
    y = x.sum(dim=1, keepdim=True) + 0.1 * torch.randn(28, 1)
    train = DataLoader(TensorDataset(x[:20], y[:20]), batch_size=4, shuffle=True)
    val = DataLoader(TensorDataset(x[20:], y[20:]), batch_size=4)
    logger = CSVLogger(Config.save_dir, name=args.name, version="first", prefix="p", flush_logs_every_n_steps=3)
    trainer = Trainer(
        max_epochs=3,
        logger=logger,
        log_every_n_steps=2,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    trainer.logger._log_graph = True
    model = Regressor()
    trainer.fit(model, train, val)
    print("result dirs", trainer.log_dir, trainer.logger.log_dir, trainer.logger.root_dir, trainer.logger.save_dir)
    print("result names", trainer.logger.name, trainer.logger.version, len(trainer.loggers))
    with open(os.path.join(trainer.logger.log_dir, "metrics.csv")) as file:
        print("result header", file.readline().strip())
    print("result ckpt", sorted(os.listdir(os.path.join(trainer.log_dir, "checkpoints"))))


if __name__ == "__main__":
    main()
