"""The optimizers are kept on the module in on_train_start: lgen cannot follow them there."""

import lightning as L
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class KeepsOptimizers(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.g = nn.Linear(8, 8)
        self.d = nn.Linear(8, 1)
        self.automatic_optimization = False

    def on_train_start(self):
        self.g_opt, self.d_opt = self.optimizers()

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = F.mse_loss(self.d(self.g(x)), y)
        self.g_opt.zero_grad()
        self.d_opt.zero_grad()
        self.manual_backward(loss)
        self.g_opt.step()
        self.d_opt.step()

    def configure_optimizers(self):
        return torch.optim.SGD(self.g.parameters(), lr=0.1), torch.optim.SGD(self.d.parameters(), lr=0.1)

    def train_dataloader(self):
        x = torch.randn(16, 8)
        return DataLoader(TensorDataset(x, x.sum(1, keepdim=True)), batch_size=8)
