"""Manual optimization testing what `self.optimizers()` returns against Lightning's
`LightningOptimizer`: Lightning's wrapper is one (its class derives from LightningOptimizer and
the optimizer's class), so the loss is scaled; the ejected script holds the test's value."""

import lightning as L
import torch
from lightning.pytorch.core.optimizer import LightningOptimizer
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class WrapperCheck(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.automatic_optimization = False
        self.net = nn.Linear(5, 1)

    def training_step(self, batch, batch_idx):
        opt = self.optimizers()
        assert isinstance(opt, (torch.optim.Optimizer, LightningOptimizer))
        x, y = batch
        scale = 3.0 if isinstance(opt, LightningOptimizer) else 1.0
        loss = nn.functional.mse_loss(self.net(x), y) * scale
        opt.zero_grad()
        self.manual_backward(loss)
        opt.step()
        self.log("train_loss", loss)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.05)

    def train_dataloader(self):
        x = torch.randn(32, 5)
        return DataLoader(TensorDataset(x, x.sum(dim=1, keepdim=True)), batch_size=8, shuffle=True)
