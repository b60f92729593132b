"""Validation that leaves a trace in the checkpoint (issue 19): every validation_step adds its
batch's mean target to a persistent buffer and counts itself in another, so how many batches each
validation run (the sanity check included) sees, and which ones, shows in the state_dict. 5 val
batches: more than num_sanity_val_steps=2 and 3."""

import lightning as L
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class ValCountModel(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = nn.Linear(8, 1)
        self.register_buffer("val_batches", torch.zeros(()))
        self.register_buffer("val_trace", torch.zeros(()))

    def training_step(self, batch, batch_idx):
        x, y = batch
        return F.mse_loss(self.net(x), y)

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.val_batches += 1
        self.val_trace.mul_(0.5).add_(y.mean())
        self.log("val_loss", F.mse_loss(self.net(x), y))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.05)

    def train_dataloader(self):
        x = torch.randn(48, 8)
        return DataLoader(TensorDataset(x, x.sum(dim=1, keepdim=True)), batch_size=8, shuffle=True)

    def val_dataloader(self):
        x = torch.randn(40, 8)
        return DataLoader(TensorDataset(x, x.sum(dim=1, keepdim=True)), batch_size=8)
