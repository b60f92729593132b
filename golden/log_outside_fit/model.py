"""Logging only in hooks fit never calls (test/predict): the fit script has no logging machinery,
the hooks stay plain methods with their calls rewritten (Lightning's test-hook defaults)."""

import lightning as L
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class TestLogModel(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return nn.functional.mse_loss(self.layer(x), y)

    def _evaluate(self, batch):
        x, y = batch
        loss = nn.functional.mse_loss(self.layer(x), y)
        self.log("test_loss", loss, prog_bar=True, logger=True)
        return loss

    def test_step(self, batch, batch_idx):
        self._evaluate(batch)
        self.log_dict({"test_batch": float(batch_idx)}, reduce_fx="max")

    def on_test_epoch_end(self):
        self.log("test_done", 1.0)

    def predict_step(self, batch, batch_idx):
        self.log("never", 0.0)
        return self.layer(batch[0])

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)

    def train_dataloader(self):
        return DataLoader(TensorDataset(torch.randn(16, 4), torch.randn(16, 1)), batch_size=4)
