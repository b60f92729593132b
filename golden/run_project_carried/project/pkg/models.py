"""The model: its building blocks come from sibling modules of a package that imports Lightning."""

import lightning.pytorch as pl
import torch

from .layers import make_net as build
from . import losses


class Regressor(pl.LightningModule):
    def __init__(self, lr=0.05):
        super().__init__()
        self.lr = lr
        self.net = build()
        self.head = None

    def forward(self, x):
        out = self.net(x)
        return out if self.head is None else out + self.head(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = losses.weighted_mse(self(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", losses.weighted_mse(self(x), y))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.lr, momentum=0.9)
