"""Two CSVLoggers given as a list, built in the Trainer call under Lightning's other spellings
(an int version, `name=None`: versions straight in save_dir; a prefix on the second): each gets
every row and hparams.yaml, the checkpoint goes into the first one's folder, and `test` after
fit writes its row to both and hparams.yaml again."""

import lightning.pytorch as pl
import torch
from lightning.pytorch.loggers.csv_logs import CSVLogger as Csv
from torch.utils.data import DataLoader, TensorDataset


class Regressor(pl.LightningModule):
    def __init__(self, lr: float = 0.05, width: int = 3):
        super().__init__()
        self.save_hyperparameters()
        self.layer = torch.nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.layer(x), y)
        self.log("train_loss", loss, on_step=True, on_epoch=True)
        return loss

    def test_step(self, batch, batch_idx):
        x, y = batch
        self.log("test_loss", torch.nn.functional.mse_loss(self.layer(x), y))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


if __name__ == "__main__":
    pl.seed_everything(4)
    x = torch.randn(24, 4)
    y = x.sum(dim=1, keepdim=True)
    train = DataLoader(TensorDataset(x[:16], y[:16]), batch_size=4, shuffle=True)
    test = DataLoader(TensorDataset(x[16:], y[16:]), batch_size=4)
    trainer = pl.Trainer(
        max_epochs=2,
        logger=[pl.loggers.CSVLogger(save_dir="logs/", version=4, name=None), Csv("more", prefix="x")],
        log_every_n_steps=1,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    model = Regressor()
    trainer.fit(model, train)
    print("result test", trainer.test(model, test, verbose=False))
    print("result dirs", [logger.log_dir for logger in trainer.loggers], trainer.log_dir)
