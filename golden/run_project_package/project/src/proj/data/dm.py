from dataclasses import dataclass

import lightning as L
import torch
from torch.utils.data import DataLoader, TensorDataset


@dataclass
class DataConfig:
    n: int = 300
    batch_size: int = 20


class SynthDM(L.LightningDataModule):
    def __init__(self, cfg: DataConfig):
        super().__init__()
        self.cfg = cfg

    def setup(self, stage):
        if stage == "fit":
            x = torch.randn(self.cfg.n, 6)
            y = x.pow(2).sum(1, keepdim=True)
            self.train_ds, self.val_ds = TensorDataset(x[:240], y[:240]), TensorDataset(x[240:], y[240:])
        if stage == "test":
            x = torch.randn(60, 6)
            self.test_ds = TensorDataset(x, x.pow(2).sum(1, keepdim=True))

    def train_dataloader(self):
        return DataLoader(self.train_ds, batch_size=self.cfg.batch_size, shuffle=True)

    def val_dataloader(self):
        return DataLoader(self.val_ds, batch_size=self.cfg.batch_size)

    def test_dataloader(self):
        return DataLoader(self.test_ds, batch_size=self.cfg.batch_size)
