"""Grad mode switched off globally between batches: Lightning's optimizer closure still runs
`training_step` and backward with grad enabled (torch's `step` calls it under
`torch.enable_grad()`), while the hooks around it see the global mode. On odd batches the
ejected loop's shortcut (closure, then `step()`) must give way to `step(closure=...)`."""

import lightning as L
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class GradModeModel(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))

    def on_train_batch_start(self, batch, batch_idx):
        torch.set_grad_enabled(batch_idx % 2 == 0)  # global, until the next batch changes it

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = F.mse_loss(self.net(x), y)
        self.log("train_loss", loss)
        return loss

    def on_train_batch_end(self, outputs, batch, batch_idx):
        # the hooks see the global mode: an odd batch's scale is not part of any graph
        scale = self.net[0].weight.abs().mean()
        assert scale.requires_grad == torch.is_grad_enabled()

    def on_train_end(self):
        torch.set_grad_enabled(True)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=0.01)

    def train_dataloader(self):
        x = torch.randn(80, 8)
        y = x.sum(dim=1, keepdim=True) + 0.1 * torch.randn(80, 1)
        return DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True)
