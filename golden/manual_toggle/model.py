"""Two optimizers with toggle_optimizer / untoggle_optimizer (Lightning's classic GAN step), a
parameter shared by both optimizers, a frozen parameter, and toggled_optimizer as a context
manager; requires_grad bookkeeping exactly as Lightning's."""

import lightning.pytorch as pl
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class ToggleModel(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.shared = nn.Linear(8, 8)
        self.a = nn.Linear(8, 1)
        self.b = nn.Linear(8, 1)
        self.frozen = nn.Linear(8, 8)
        self.frozen.requires_grad_(False)
        self.automatic_optimization = False

    def training_step(self, batch, batch_idx):
        opt_a, opt_b = self.optimizers()
        x, y = batch
        h = torch.relu(self.shared(x) + self.frozen(x))

        self.toggle_optimizer(opt_a)
        # b's own parameters are frozen while a is toggled: no gradient reaches them
        loss_a = F.mse_loss(self.a(h) + self.b(h).detach(), y)
        opt_a.zero_grad()
        self.manual_backward(loss_a)
        opt_a.step()
        self.untoggle_optimizer(opt_a)

        with self.toggled_optimizer(opt_b):
            h = torch.relu(self.shared(x) + self.frozen(x))
            loss_b = F.mse_loss(self.b(h), y)
            opt_b.zero_grad()
            self.manual_backward(loss_b)
            opt_b.step()
        self.log_dict({"loss_a": loss_a, "loss_b": loss_b})

    def configure_optimizers(self):
        opt_a = torch.optim.SGD(list(self.shared.parameters()) + list(self.a.parameters()), lr=0.05)
        opt_b = torch.optim.Adam(
            list(self.shared.parameters()) + list(self.b.parameters()) + list(self.frozen.parameters()), lr=0.01
        )
        return [opt_a, opt_b], []

    def train_dataloader(self):
        # 80 samples / 8 = 10 batches
        x = torch.randn(80, 8)
        y = x.sum(dim=1, keepdim=True) + 0.1 * torch.randn(80, 1)
        return DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True)
