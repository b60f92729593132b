"""IterableDataset train loader (unsized: Lightning prefetches one batch ahead).
The stream draws from torch's global RNG while it is iterated."""

import lightning.pytorch as pl
import torch
from torch import nn
from torch.utils.data import DataLoader, IterableDataset, TensorDataset


class NoisyStream(IterableDataset):
    def __init__(self, n=60):
        self.n = n
        self.w = torch.tensor([0.5, -1.0, 2.0, 0.0])

    def __iter__(self):
        for _ in range(self.n):
            x = torch.randn(4)
            y = (x * self.w).sum().unsqueeze(0)
            yield x, y


class IterableModel(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(0.1), nn.Linear(8, 1))

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = nn.functional.mse_loss(self(x), y)
        self.log("train_loss", loss, batch_size=x.size(0))
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", nn.functional.mse_loss(self(x), y))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.05, momentum=0.9)

    def train_dataloader(self):
        # 60 samples / 8 = 8 batches, the last one of 4
        return DataLoader(NoisyStream(60), batch_size=8)

    def val_dataloader(self):
        x = torch.randn(16, 4)
        return DataLoader(TensorDataset(x, x.sum(dim=1, keepdim=True)), batch_size=8)
