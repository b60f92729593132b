"""The model: a LightningModule, a helper of its module and a building block from a sibling."""

import lightning.pytorch as pl
import torch

from .layers import make_net

HIDDEN = 16


def weighted_mse(pred, target, weight=2.0):
    return weight * torch.nn.functional.mse_loss(pred, target)


class Regressor(pl.LightningModule):
    def __init__(self, lr=0.05):
        super().__init__()
        self.lr = lr
        self.net = make_net(HIDDEN)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = weighted_mse(self.net(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", weighted_mse(self.net(x), y))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.lr, momentum=0.9)
