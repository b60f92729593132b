"""configure_optimizers returns ([optimizer], [scheduler])."""

import torch
import torch.nn as nn
from lightning.pytorch import LightningModule as LM
from torch.utils.data import DataLoader, TensorDataset


class TwoListsModel(LM):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(2, 4, kernel_size=3, padding=1)
        self.fc = nn.Linear(4 * 6, 1)

    def forward(self, x):
        return self.fc(torch.relu(self.conv(x)).flatten(1))

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = nn.functional.smooth_l1_loss(self(x), y)
        self.log("train_loss", loss, prog_bar=True)
        return loss

    def configure_optimizers(self):
        opt = torch.optim.RMSprop(self.parameters(), lr=5e-3)
        sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[1, 2], gamma=0.3)
        return [opt], [sched]

    def train_dataloader(self):
        x = torch.randn(48, 2, 6)
        y = x.mean(dim=(1, 2)).unsqueeze(1)
        return DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True)
