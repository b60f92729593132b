"""ReduceLROnPlateau monitoring "val_loss"; monitor given inside the scheduler dict."""

import lightning as L
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class PlateauModel(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 1))

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
        optimizer = torch.optim.SGD(self.parameters(), lr=0.05, momentum=0.5)
        scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.5, patience=0)
        return {
            "optimizer": optimizer,
            "lr_scheduler": {"scheduler": scheduler, "monitor": "val_loss"},
        }

    def train_dataloader(self):
        x = torch.randn(64, 6)
        y = torch.randn(64, 1)  # pure noise: the validation loss plateaus quickly
        return DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True)

    def val_dataloader(self):
        # 3 batches of sizes 8, 8, 4: the epoch mean is batch-size weighted
        x = torch.randn(20, 6)
        y = torch.randn(20, 1)
        return DataLoader(TensorDataset(x, y), batch_size=8)
