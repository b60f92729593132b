"""optimizer_step override: learning-rate warm-up as in Lightning's docs."""

import lightning as L
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class WarmupModel(L.LightningModule):
    def __init__(self, learning_rate=0.05):
        super().__init__()
        self.learning_rate = learning_rate
        self.net = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 1))

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
        return torch.optim.Adam(self.parameters(), lr=self.learning_rate)

    def optimizer_step(self, epoch, batch_idx, optimizer, optimizer_closure):
        # update params
        optimizer.step(closure=optimizer_closure)

        # manually warm up lr without a scheduler
        if self.trainer.global_step < 12:
            lr_scale = min(1.0, float(self.trainer.global_step + 1) / 12.0)
            for pg in optimizer.param_groups:
                pg["lr"] = lr_scale * self.learning_rate

    def train_dataloader(self):
        x = torch.randn(80, 8)
        y = x.sum(dim=1, keepdim=True)
        return DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True)

    def val_dataloader(self):
        x = torch.randn(16, 8)
        return DataLoader(TensorDataset(x, x.sum(dim=1, keepdim=True)), batch_size=8)
