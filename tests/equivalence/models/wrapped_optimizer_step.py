"""optimizer_step overrides that need Lightning's LightningOptimizer, not the bare optimizer.

`RawStepModel` is the form in Lightning's docs: it steps `optimizer.optimizer`, the bare torch
optimizer, with the bare closure, so Lightning runs neither `on_before_optimizer_step` nor
gradient clipping. `ClosureFirstModel` calls the closure itself and then `optimizer.step()`
with no closure: the wrapper still runs the pre-step hook and clipping before the update.
Both hooks change the gradients, so running or skipping them shows in the weights.
"""

import lightning as L
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class RawStepModel(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 1))

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = nn.functional.mse_loss(self(x), y)
        self.log("train_loss", loss)
        return loss

    def on_before_optimizer_step(self, optimizer):
        # changes the gradients: skipping this hook changes the weights
        for p in self.parameters():
            if p.grad is not None:
                p.grad.mul_(3.0)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.02, momentum=0.9)

    def train_dataloader(self):
        x = torch.randn(80, 8)
        y = 5.0 * x.sum(dim=1, keepdim=True)
        return DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True)

    def optimizer_step(self, epoch, batch_idx, optimizer, optimizer_closure):
        optimizer = optimizer.optimizer
        optimizer.step(closure=optimizer_closure)


class ClosureFirstModel(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 1))

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = nn.functional.mse_loss(self(x), y)
        self.log("train_loss", loss)
        return loss

    def on_before_optimizer_step(self, optimizer):
        # changes the gradients: skipping this hook changes the weights
        for p in self.parameters():
            if p.grad is not None:
                p.grad.mul_(3.0)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.02, momentum=0.9)

    def train_dataloader(self):
        x = torch.randn(80, 8)
        y = 5.0 * x.sum(dim=1, keepdim=True)
        return DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True)

    def optimizer_step(self, epoch, batch_idx, optimizer, optimizer_closure):
        optimizer_closure()
        if isinstance(optimizer, torch.optim.SGD):
            for group in optimizer.param_groups:
                group["lr"] = 0.02 if batch_idx % 2 == 0 else 0.01
        optimizer.step()
