"""The Trainer's `logger=` computed by the entry's own function, which builds the CSVLogger
(Lightning's module spelling, a save_dir from a dict config, an int version) or returns False:
the script's make_loop decides as Lightning's `configure_logger`, the default checkpoint goes
into the logger's folder, `validate` after fit writes its row and hparams.yaml again."""

import lightning.pytorch as pl
import torch
from torch.utils.data import DataLoader, TensorDataset

CONFIG = {"save_dir": "runs", "quiet": False}


def make_logger(config):
    if config["quiet"]:
        return False
    return pl.loggers.CSVLogger(config["save_dir"], name="reg", version=3)


class Regressor(pl.LightningModule):
    def __init__(self, lr: float = 0.05):
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


def main():
    pl.seed_everything(9)
    x = torch.randn(24, 4)
    y = x.sum(dim=1, keepdim=True)
    train = DataLoader(TensorDataset(x[:16], y[:16]), batch_size=4, shuffle=True)
    val = DataLoader(TensorDataset(x[16:], y[16:]), batch_size=4)
    trainer = pl.Trainer(
        max_epochs=2,
        logger=make_logger(CONFIG),
        log_every_n_steps=1,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    model = Regressor()
    trainer.fit(model, train, val)
    print("result validate", trainer.validate(model, val, verbose=False))
    print("result dir", trainer.log_dir)


if __name__ == "__main__":
    main()
