"""self.log_dict in training and validation; a per-step ReduceLROnPlateau monitors the
step-logged "train_mae", and the top-level "monitor" key (bare plateau scheduler)."""

import lightning as L
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class LogDictModel(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
        self.x = torch.randn(64, 4)
        self.y = torch.randn(64, 1)

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        pred = self(x)
        loss = nn.functional.mse_loss(pred, y)
        mae = (pred - y).abs().mean()
        self.log_dict({"train_loss": loss, "train_mae": mae}, prog_bar=True)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        pred = self(x)
        self.log_dict({"val_loss": nn.functional.mse_loss(pred, y), "val_mae": (pred - y).abs().mean()})

    def configure_optimizers(self):
        optimizer = torch.optim.Adam(self.parameters(), lr=0.05)
        scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.7, patience=1)
        return {
            "optimizer": optimizer,
            "lr_scheduler": {"scheduler": scheduler, "monitor": "train_mae", "interval": "step", "frequency": 2},
        }

    def train_dataloader(self):
        return DataLoader(TensorDataset(self.x, self.y), batch_size=8, shuffle=True)

    def val_dataloader(self):
        return DataLoader(TensorDataset(self.x[:20], self.y[:20]), batch_size=8)


class TopLevelMonitorModel(LogDictModel):
    """Bare ReduceLROnPlateau with the top-level "monitor" key (the one form where it is used)."""

    def configure_optimizers(self):
        optimizer = torch.optim.Adam(self.parameters(), lr=0.05)
        scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=0)
        return {"optimizer": optimizer, "lr_scheduler": scheduler, "monitor": "val_loss"}
