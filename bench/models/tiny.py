"""Overhead-bound models for bench/loop_cost.py: a tiny MLP, batch 32, `self.log` every step.

`TinyNet` and `make_loader` are plain PyTorch, shared by all three loops the benchmark times:
the hand-written loop trains `TinyNet` directly, the LightningModules wrap it.
"""

import lightning as L
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

N_SAMPLES = 8192
BATCH_SIZE = 32
FEATURES = 16


def make_loader():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(N_SAMPLES, FEATURES, generator=g)
    y = x[:, :4].sum(dim=1, keepdim=True) + 0.1 * torch.randn(N_SAMPLES, 1, generator=g)
    return DataLoader(TensorDataset(x, y), batch_size=BATCH_SIZE, shuffle=True)


class TinyNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(FEATURES, 32), nn.ReLU(), nn.Linear(32, 1))

    def forward(self, x):
        return self.body(x)


def make_optimizer(params):
    return torch.optim.SGD(params, lr=0.01, momentum=0.9)


class TinyLog(L.LightningModule):
    """Case (i): one optimizer, `self.log` on every training step."""

    def __init__(self):
        super().__init__()
        self.net = TinyNet()

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = nn.functional.mse_loss(self.net(x), y)
        self.log("train_loss", loss)
        return loss

    def configure_optimizers(self):
        return make_optimizer(self.parameters())

    def train_dataloader(self):
        return make_loader()


class TinyAccumSched(L.LightningModule):
    """Case (ii): as TinyLog, plus a scheduler stepped every optimizer step.

    Run with accumulate_grad_batches=4 and gradient_clip_val=1.0.
    """

    def __init__(self):
        super().__init__()
        self.net = TinyNet()

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = nn.functional.mse_loss(self.net(x), y)
        self.log("train_loss", loss)
        return loss

    def configure_optimizers(self):
        optimizer = make_optimizer(self.parameters())
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=100, gamma=0.99)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}

    def train_dataloader(self):
        return make_loader()
