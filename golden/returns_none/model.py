"""training_step returns None on some batches (skip backward, step still counts)."""

import lightning.pytorch as pl
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset


class SineDataset(Dataset):
    """Deterministic: each item is a function of its index."""

    def __init__(self, n=56):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, idx):
        t = torch.linspace(0, 1, 5) + idx * 0.1
        x = torch.sin(t)
        y = torch.cos(t).sum().unsqueeze(0)
        return x, y


class SkipNoneModel(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.model = nn.Sequential(nn.Linear(5, 12), nn.Tanh(), nn.Linear(12, 1))

    def training_step(self, batch, batch_idx):
        if batch_idx == 2:
            return None
        x, y = batch
        loss = nn.functional.mse_loss(self.model(x), y)
        if batch_idx == 5 and self.current_epoch == 1:
            return None
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", nn.functional.mse_loss(self.model(x), y))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1, momentum=0.5, weight_decay=1e-3)

    def train_dataloader(self):
        return DataLoader(SineDataset(56), batch_size=8, shuffle=True)

    def val_dataloader(self):
        return DataLoader(SineDataset(16), batch_size=8)
