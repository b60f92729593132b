"""`return optimizer, scheduler` (the OneCycleLR example in Lightning's docs): a tuple whose
second element is a scheduler. Lightning raises "Unknown configuration for model optimizers".
"""

import lightning as L
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class OneCycleTupleModel(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = nn.Linear(8, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return nn.functional.mse_loss(self.net(x), y)

    def configure_optimizers(self):
        optimizer = torch.optim.SGD(self.parameters(), lr=0.1)
        scheduler = torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=0.1, total_steps=self.trainer.estimated_stepping_batches
        )
        return optimizer, scheduler

    def train_dataloader(self):
        x = torch.randn(40, 8)
        return DataLoader(TensorDataset(x, x.sum(dim=1, keepdim=True)), batch_size=8)
