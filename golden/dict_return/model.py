"""training_step returns a dict {"loss": ..., extra keys}; data built in __init__."""

import torch
from lightning.pytorch import LightningModule
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class DictReturnModel(LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = nn.Linear(6, 3)
        self.train_x = torch.randn(60, 6)
        self.train_y = torch.randint(0, 3, (60,))
        self.val_x = torch.randn(20, 6)
        self.val_y = torch.randint(0, 3, (20,))

    def forward(self, x):
        return self.layer(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        logits = self(x)
        loss = nn.functional.cross_entropy(logits, y)
        acc = (logits.argmax(dim=1) == y).float().mean()
        return {"loss": loss, "acc": acc, "preds": logits.detach()}

    def validation_step(self, batch, batch_idx):
        x, y = batch
        loss = nn.functional.cross_entropy(self(x), y)
        self.log("val_loss", loss)
        return {"val_loss": loss}

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=0.01)

    def train_dataloader(self):
        return DataLoader(TensorDataset(self.train_x, self.train_y), batch_size=8, shuffle=True)

    def val_dataloader(self):
        return DataLoader(TensorDataset(self.val_x, self.val_y), batch_size=8)
