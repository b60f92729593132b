"""Lightning's default logger (no `logger=` given) read as an object: a user callback and the
model reach it through `trainer.logger` / `self.trainer.logger` / `self.loggers`, the entry
through `trainer.logger` and `trainer.log_dir` (before and after fit, in a folder it sets as
default_root_dir), and sets Lightning's private flags on it as the UvA tutorials do."""

import os

import torch
from lightning.pytorch import Callback, LightningModule, Trainer, seed_everything
from torch.utils.data import DataLoader, TensorDataset


class Record(Callback):
    def on_train_epoch_end(self, trainer, pl_module):
        trainer.logger.log_metrics({"seen": float(trainer.current_epoch)}, step=trainer.global_step)


class Regressor(LightningModule):
    def __init__(self, lr: float = 0.05):
        super().__init__()
        self.save_hyperparameters()
        self.layer = torch.nn.Linear(4, 1)

    def on_train_start(self):
        self.trainer.logger.log_hyperparams({"loggers": len(self.loggers)})

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.layer(x), y)
        self.log("train_loss", loss)
        return loss

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


def main():
    seed_everything(2)
    x = torch.randn(24, 4)
    y = x.sum(dim=1, keepdim=True)
    train = DataLoader(TensorDataset(x, y), batch_size=4, shuffle=True)
    trainer = Trainer(
        max_epochs=2,
        default_root_dir="out",
        log_every_n_steps=2,
        callbacks=[Record()],
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    trainer.logger._log_graph = True
    trainer.logger._default_hp_metric = None
    print("result before", os.path.relpath(trainer.log_dir))
    trainer.fit(Regressor(), train)
    print("result after", os.path.relpath(trainer.log_dir), trainer.logger.version, trainer.logger.name)
    with open(os.path.join(trainer.log_dir, "metrics.csv")) as file:
        print("result rows", len(file.readlines()))


if __name__ == "__main__":
    main()
