"""An optimizer_step override that steps the bare optimizer without the closure: training_step
never runs, and Lightning raises "The closure hasn't been executed" at the first step."""

import lightning as L
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class ClosureDroppedModel(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = nn.Linear(8, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return nn.functional.mse_loss(self.net(x), y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)

    def optimizer_step(self, epoch, batch_idx, optimizer, optimizer_closure):
        optimizer.optimizer.step()

    def train_dataloader(self):
        x = torch.randn(40, 8)
        return DataLoader(TensorDataset(x, x.sum(dim=1, keepdim=True)), batch_size=8)
