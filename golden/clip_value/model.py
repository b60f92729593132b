"""A model whose gradients are large enough that Trainer-level clipping
(gradient_clip_val / gradient_clip_algorithm flags) changes the result."""

import lightning as L
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class ClipModel(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Dropout(0.1), nn.Linear(32, 4))
        self.head = nn.Linear(4, 1)

    def forward(self, x):
        return self.head(self.encoder(x))

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = nn.functional.mse_loss(self(x), y)
        self.log("train_loss", loss)
        return loss

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.01)

    def train_dataloader(self):
        x = torch.randn(72, 10) * 2
        y = (x ** 2).sum(dim=1, keepdim=True) / 4
        return DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True)
