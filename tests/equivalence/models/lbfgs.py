"""LBFGS: the optimizer calls the closure several times per step."""

import torch
from lightning.pytorch import LightningModule as LM
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class LBFGSModel(LM):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(5, 1)
        self.x = torch.randn(40, 5)
        self.y = self.x @ torch.tensor([[1.0], [-2.0], [0.5], [0.0], [3.0]]) + 0.05 * torch.randn(40, 1)

    def forward(self, x):
        return self.linear(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = nn.functional.mse_loss(self(x), y)
        self.log("train_loss", loss)
        return loss

    def configure_optimizers(self):
        return torch.optim.LBFGS(self.parameters(), lr=0.5, max_iter=4, history_size=5)

    def train_dataloader(self):
        return DataLoader(TensorDataset(self.x, self.y), batch_size=10, shuffle=True)
