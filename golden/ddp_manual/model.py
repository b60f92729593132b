"""Manual optimization guide: the minimal example, with validation (which Lightning precedes
with zero_grad) and the loss returned to on_train_batch_end."""

import lightning as L
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class MinimalManual(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Dropout(0.1), nn.Linear(16, 1))
        # Important: This property activates manual optimization.
        self.automatic_optimization = False
        self.seen = []

    def compute_loss(self, batch):
        x, y = batch
        return F.mse_loss(self.net(x), y)

    def training_step(self, batch, batch_idx):
        opt = self.optimizers()
        opt.zero_grad()
        loss = self.compute_loss(batch)
        self.manual_backward(loss)
        opt.step()
        self.log("train_loss", loss, prog_bar=True)
        return loss

    def on_train_batch_end(self, outputs, batch, batch_idx):
        assert not outputs["loss"].requires_grad
        self.seen.append(self.global_step)

    def validation_step(self, batch, batch_idx):
        self.log("val_loss", self.compute_loss(batch))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.05, momentum=0.9)

    def train_dataloader(self):
        # 80 samples / 8 = 10 batches
        x = torch.randn(80, 8)
        y = x.sum(dim=1, keepdim=True) + 0.1 * torch.randn(80, 1)
        return DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True)

    def val_dataloader(self):
        x = torch.randn(24, 8)
        return DataLoader(TensorDataset(x, x.sum(dim=1, keepdim=True)), batch_size=8)
