"""optimizer_zero_grad override with set_to_none=False.  The `aux` head only gets a
gradient on even batches, so zeros vs None changes what SGD (momentum, weight
decay) does to it on odd batches."""

from lightning.pytorch import LightningModule
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class ZeroGradModel(LightningModule):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(6, 6)
        self.main = nn.Linear(6, 1)
        self.aux = nn.Linear(6, 1)

    def forward(self, x):
        return self.main(torch.relu(self.body(x)))

    def training_step(self, batch, batch_idx):
        x, y = batch
        h = torch.relu(self.body(x))
        loss = nn.functional.mse_loss(self.main(h), y)
        if batch_idx % 2 == 0:
            loss = loss + 0.5 * nn.functional.mse_loss(self.aux(h), y)
        return loss

    def optimizer_zero_grad(self, epoch, batch_idx, optimizer):
        optimizer.zero_grad(set_to_none=False)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.05, momentum=0.9, weight_decay=0.01)

    def train_dataloader(self):
        x = torch.randn(56, 6)
        y = torch.randn(56, 1)
        return DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True)
