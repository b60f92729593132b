"""A datamodule on synthetic data, drawn from a seeded generator by a helper of this module."""

import torch
from lightning.pytorch import LightningDataModule
from torch.utils.data import DataLoader, TensorDataset

N = 96


def make_split(n, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 4, generator=g)
    y = x.sum(1, keepdim=True) + 0.1 * torch.randn(n, 1, generator=g)
    return x, y


class Data(LightningDataModule):
    def __init__(self, batch_size=6):
        super().__init__()
        self.batch_size = batch_size

    def setup(self, stage):
        x, y = make_split(N)
        self.train_set = TensorDataset(x[:64], y[:64])
        self.val_set = TensorDataset(x[64:], y[64:])

    def train_dataloader(self):
        return DataLoader(self.train_set, batch_size=self.batch_size, shuffle=True)

    def val_dataloader(self):
        return DataLoader(self.val_set, batch_size=self.batch_size)
