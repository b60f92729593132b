"""A map-style Dataset whose __getitem__ draws noise from torch's global RNG
(augmentation), so the order of every RNG draw during fit matters."""

import lightning as L
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset


class NoisyDataset(Dataset):
    def __init__(self, n, noise=0.1):
        self.base = torch.linspace(-2, 2, n * 3).reshape(n, 3)
        self.target = (self.base ** 2).sum(dim=1, keepdim=True)
        self.noise = noise

    def __len__(self):
        return len(self.base)

    def __getitem__(self, idx):
        x = self.base[idx]
        if self.noise:
            x = x + self.noise * torch.randn_like(x)
        return x, self.target[idx]


class RngDatasetModel(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 1))

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = nn.functional.mse_loss(self(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", nn.functional.mse_loss(self(x), y))

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=0.01)

    def train_dataloader(self):
        return DataLoader(NoisyDataset(80), batch_size=8, shuffle=True)

    def val_dataloader(self):
        # validation data is noisy too: every val run consumes RNG
        return DataLoader(NoisyDataset(24, noise=0.05), batch_size=8)
