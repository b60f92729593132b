"""A mixin next to LightningModule that defines a hook Lightning would call on the model."""

import lightning as L
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class WarmStart:
    def on_train_start(self):
        with torch.no_grad():
            for p in self.parameters():
                p.mul_(0.5)


class Model(WarmStart, L.LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return nn.functional.mse_loss(self.layer(x), y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)

    def train_dataloader(self):
        return DataLoader(TensorDataset(torch.randn(8, 4), torch.randn(8, 1)), batch_size=4)
