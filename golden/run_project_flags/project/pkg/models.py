"""The model: what it computes depends on the package's availability flags."""

import lightning.pytorch as pl
import torch
from torch import nn

from pkg.utils import _NN_FUNCTIONAL_AVAILABLE, _NO_SUCH_AVAILABLE, _SCALE, _TORCH_GREATER_EQUAL_1_10
from pkg.zoo import ACTIVATIONS


class Regressor(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
        self.act = ACTIVATIONS["gelu"]
        # 1.5 * (1.0 + 0.5 + 0.0): each flag shows in the loss
        self.gain = _SCALE * (1.0 + 0.5 * _TORCH_GREATER_EQUAL_1_10 + 0.25 * _NO_SUCH_AVAILABLE)

    def training_step(self, batch, batch_idx):
        x, y = batch
        out = self.act(self.net(x)) * self.gain
        if _NN_FUNCTIONAL_AVAILABLE:
            loss = torch.nn.functional.mse_loss(out, y)
        else:
            loss = (out - y).pow(2).mean()
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", torch.nn.functional.l1_loss(self.act(self.net(x)) * self.gain, y))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.05, momentum=0.9)
