"""A run in `pytorch_lightning` spelling: a datamodule with prepare_data / setup(stage=None) /
teardown (the stage it gets is printed), keyword fit arguments, deterministic=True, a
plateau scheduler on a validation metric, BatchNorm, save_hyperparameters."""

import pytorch_lightning as pl
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset, random_split


class MNISTLike(pl.LightningDataModule):
    def __init__(self, data_dir: str = "./", batch_size: int = 10):
        super().__init__()
        self.data_dir = data_dir
        self.batch_size = batch_size

    def prepare_data(self):
        torch.manual_seed(123)  # stands in for a download
        self.stash = torch.randn(120, 1, 4, 4)

    def setup(self, stage=None):
        if stage == "fit" or stage is None:
            full = TensorDataset(self.stash, (self.stash.mean((1, 2, 3)) > 0).long())
            self.train_ds, self.val_ds = random_split(full, [100, 20])

    def train_dataloader(self):
        return DataLoader(self.train_ds, batch_size=self.batch_size, shuffle=True)

    def val_dataloader(self):
        return DataLoader(self.val_ds, batch_size=self.batch_size)

    def teardown(self, stage):
        print("result teardown", stage)


class LitModel(pl.LightningModule):
    def __init__(self, lr=0.02):
        super().__init__()
        self.save_hyperparameters()
        self.model = nn.Sequential(nn.Flatten(), nn.Linear(16, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 2))

    def forward(self, x):
        return self.model(x)

    def training_step(self, batch, batch_nb):
        x, y = batch
        loss = nn.functional.cross_entropy(self(x), y)
        self.log("train_loss", loss, on_epoch=True)
        return loss

    def validation_step(self, batch, batch_nb):
        x, y = batch
        self.log("val_loss", nn.functional.cross_entropy(self(x), y), prog_bar=True)

    def configure_optimizers(self):
        optimizer = torch.optim.Adam(self.parameters(), lr=self.hparams.lr)
        scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, patience=0)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "monitor": "val_loss"}}


if __name__ == "__main__":
    pl.seed_everything(1234)
    dm = MNISTLike(batch_size=16)
    model = LitModel()
    trainer = pl.Trainer(accelerator="cpu", devices=1, max_epochs=3, logger=False, enable_checkpointing=False, deterministic=True)
    trainer.fit(model=model, datamodule=dm)
    print("result", trainer.current_epoch, trainer.global_step, sorted(trainer.callback_metrics))
    trainer.save_checkpoint("model.ckpt")
