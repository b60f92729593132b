"""For resume tests: validation every epoch, an epoch-interval scheduler and a ReduceLROnPlateau
on val_loss, a shuffled loader, validation data drawn when its loader is made, and buffers that
count the epoch-start/-end hooks and the validation runs (the sanity check's too), so an epoch
run twice or skipped, a scheduler step too many or too few, a hook or validation run again, or
the loaders made in another order shows in the checkpoint."""

import lightning as L
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class ResumeValModel(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(4, 8)
        self.l2 = nn.Linear(8, 1)
        self.register_buffer("epoch_starts", torch.zeros(()))
        self.register_buffer("epoch_ends", torch.zeros(()))
        self.register_buffer("val_runs", torch.zeros(()))
        self.data = TensorDataset(torch.randn(64, 4), torch.randn(64, 1))

    def forward(self, x):
        return self.l2(torch.relu(self.l1(x)))

    def training_step(self, batch, batch_idx):
        x, y = batch
        return nn.functional.l1_loss(self(x), y)

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", nn.functional.l1_loss(self(x), y))

    def on_train_epoch_start(self):
        self.epoch_starts += 1

    def on_train_epoch_end(self):
        self.epoch_ends += 1

    def on_validation_start(self):
        self.val_runs += 1

    def configure_optimizers(self):
        optimizer = torch.optim.SGD(self.parameters(), lr=0.1, momentum=0.9)
        decay = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.7)
        plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=0)
        return [optimizer], [decay, {"scheduler": plateau, "monitor": "val_loss"}]

    def train_dataloader(self):
        return DataLoader(self.data, batch_size=4, shuffle=True)

    def val_dataloader(self):
        return DataLoader(TensorDataset(torch.randn(32, 4), torch.randn(32, 1)), batch_size=16)
