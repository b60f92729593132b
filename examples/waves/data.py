"""Synthetic data: noisy sums of sine waves, made in memory (no downloads)."""

import lightning as L
import torch
from torch.utils.data import DataLoader, TensorDataset


class WaveDataModule(L.LightningDataModule):
    def __init__(self, batch_size: int = 32, samples: int = 1024):
        super().__init__()
        self.save_hyperparameters()

    def setup(self, stage: str):
        generator = torch.Generator().manual_seed(0)
        x = torch.rand(self.hparams.samples, 8, generator=generator) * 6 - 3
        y = torch.sin(x).sum(dim=1, keepdim=True) + 0.1 * torch.randn(self.hparams.samples, 1, generator=generator)
        n_train, n_val = int(0.7 * len(x)), int(0.15 * len(x))
        self.train_set = TensorDataset(x[:n_train], y[:n_train])
        self.val_set = TensorDataset(x[n_train : n_train + n_val], y[n_train : n_train + n_val])
        self.test_set = TensorDataset(x[n_train + n_val :], y[n_train + n_val :])

    def train_dataloader(self):
        return DataLoader(self.train_set, batch_size=self.hparams.batch_size, shuffle=True)

    def val_dataloader(self):
        return DataLoader(self.val_set, batch_size=self.hparams.batch_size)

    def test_dataloader(self):
        return DataLoader(self.test_set, batch_size=self.hparams.batch_size)
