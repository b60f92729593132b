"""AdamW + StepLR stepped per batch with frequency 2 (dict form)."""

import pytorch_lightning as pl
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class AdamWStepLRModel(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(8, 16), nn.GELU(), nn.Dropout(0.25), nn.Linear(16, 2))

    def forward(self, x):
        return self.backbone(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = nn.functional.cross_entropy(self(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", nn.functional.cross_entropy(self(x), y))

    def configure_optimizers(self):
        optimizer = torch.optim.AdamW(self.parameters(), lr=1e-2, weight_decay=0.05)
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.7)
        return {
            "optimizer": optimizer,
            "lr_scheduler": {"scheduler": scheduler, "interval": "step", "frequency": 2},
        }

    def train_dataloader(self):
        x = torch.randn(80, 8)
        y = (x[:, 0] > 0).long()
        return DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True)

    def val_dataloader(self):
        x = torch.randn(24, 8)
        y = (x[:, 0] > 0).long()
        return DataLoader(TensorDataset(x, y), batch_size=8)
