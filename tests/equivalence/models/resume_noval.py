"""For resume tests: no validation, an epoch-interval scheduler, and nothing random after the
model is built (no shuffling, no dropout), so a run resumed from an epoch's end must end with the
weights of a run that was never interrupted."""

import lightning as L
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class ResumeNoValModel(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(4, 8)
        self.l2 = nn.Linear(8, 1)
        self.data = TensorDataset(torch.randn(64, 4), torch.randn(64, 1))

    def forward(self, x):
        return self.l2(torch.relu(self.l1(x)))

    def training_step(self, batch, batch_idx):
        x, y = batch
        return nn.functional.mse_loss(self(x), y)

    def configure_optimizers(self):
        optimizer = torch.optim.SGD(self.parameters(), lr=0.05, momentum=0.9)
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
        return {"optimizer": optimizer, "lr_scheduler": scheduler}

    def train_dataloader(self):
        return DataLoader(self.data, batch_size=4)
