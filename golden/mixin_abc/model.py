"""A plain mixin and `ABC` next to LightningModule: the mixin's helper shapes the loss."""

from abc import ABC

import lightning as L
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class PenaltyMixin:
    """Plain Python: no Lightning hook, no Lightning member on `self`."""

    penalty_weight = 0.01

    def penalty(self):
        return self.penalty_weight * sum(p.pow(2).sum() for p in self.parameters())


class MixinModel(L.LightningModule, PenaltyMixin, ABC):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(5, 10), nn.ReLU(), nn.Linear(10, 1))

    def training_step(self, batch, batch_idx):
        x, y = batch
        return F.mse_loss(self.net(x), y) + self.penalty()

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=0.02)

    def train_dataloader(self):
        x = torch.randn(48, 5)
        return DataLoader(TensorDataset(x, x.mean(dim=1, keepdim=True)), batch_size=8, shuffle=True)
