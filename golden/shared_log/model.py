"""`self.log` without on_step/on_epoch in helpers that hooks with different defaults share.

`_shared_step` logs from training_step (Lightning: on_step) and validation_step (on_epoch);
`_track` from training_step (on_step) and on_train_epoch_end (on_epoch, twice: the mean).
on_train_epoch_end reads the values back into the `scale` buffer, and a ReduceLROnPlateau monitors
"train_loss" (the last batch's value, not the epoch mean): wrong defaults show in the weights.
test_step / on_test_epoch_end / predict_step log too; fit never calls them.
70 samples / 8: the last training batch has 6; 20 / 8: the last validation batch has 4."""

from lightning.pytorch import LightningModule
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class SharedLogModel(LightningModule):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(5, 10), nn.ReLU(), nn.Linear(10, 1))
        self.register_buffer("scale", torch.ones(()))

    def forward(self, x):
        return self.net(x) * self.scale

    def _shared_step(self, batch, stage):
        x, y = batch
        loss = nn.functional.mse_loss(self(x), y)
        self.log(f"{stage}_loss", loss, prog_bar=True)
        return loss

    def _track(self, name, value):
        self.log(name, value)

    def training_step(self, batch, batch_idx):
        loss = self._shared_step(batch, "train")
        self._track("double_loss", loss * 2)
        return loss

    def validation_step(self, batch, batch_idx):
        self._shared_step(batch, "val")

    def on_train_epoch_end(self):
        m = self.trainer.callback_metrics
        previous = m.get("scale_mean", torch.tensor(1.0))  # last epoch's, from the two calls below
        delta = m["train_loss"] - m["val_loss"] + 0.25 * m["double_loss"] - 0.5 * previous
        self.scale.mul_(1 + 0.1 * torch.tanh(delta))
        self._track("scale_mean", self.scale.clone())
        self._track("scale_mean", self.scale * 3)  # on_epoch: their mean; on_step would keep this one

    def test_step(self, batch, batch_idx):
        loss = self._shared_step(batch, "test")
        self.log("test_mse", loss, logger=False)

    def on_test_epoch_end(self):
        self.log("test_done", 1.0)

    def predict_step(self, batch, batch_idx):
        self.log("never", 0.0)
        return self(batch[0])

    def configure_optimizers(self):
        optimizer = torch.optim.SGD(self.parameters(), lr=0.3, momentum=0.9)
        scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=0, threshold=0.05)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "monitor": "train_loss"}}

    def train_dataloader(self):
        x = torch.randn(70, 5)
        y = torch.randn(70, 1)
        return DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True)

    def val_dataloader(self):
        x = torch.randn(20, 5)
        return DataLoader(TensorDataset(x, torch.randn(20, 1)), batch_size=8)
