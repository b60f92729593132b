"""Overrides that do their own thing, then call LightningModule's own implementation through
super(): a learning-rate warmup before `super().optimizer_step(...)`, gradient scaling after
`super().backward(loss)`, and `super().lr_scheduler_step(...)` every other time."""

import lightning as L
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class Model(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
        self.x = torch.randn(48, 4)
        self.y = torch.randn(48, 1)
        self.sched_calls = 0

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = nn.functional.mse_loss(self.net(x), y)
        self.log("train_loss", loss)
        return loss

    def backward(self, loss, *args, **kwargs):
        super().backward(loss, *args, **kwargs)
        for p in self.parameters():
            p.grad.mul_(0.5)

    def optimizer_step(self, epoch, batch_idx, optimizer, optimizer_closure):
        for group in optimizer.param_groups:
            group["lr"] = 0.1 * min(1.0, (self.trainer.global_step + 1) / 4)
        super().optimizer_step(epoch, batch_idx, optimizer, optimizer_closure)

    def optimizer_zero_grad(self, epoch, batch_idx, optimizer):
        super().optimizer_zero_grad(epoch, batch_idx, optimizer)

    def lr_scheduler_step(self, scheduler, metric):
        self.sched_calls += 1
        if self.sched_calls % 2:
            super().lr_scheduler_step(scheduler, metric)

    def configure_optimizers(self):
        opt = torch.optim.SGD(self.parameters(), lr=0.1, momentum=0.9)
        return [opt], [torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.8)]

    def train_dataloader(self):
        return DataLoader(TensorDataset(self.x, self.y), batch_size=8, shuffle=True)
