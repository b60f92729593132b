"""save_hyperparameters() and self.hparams.* in the model."""

import lightning as L
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class HParamsModel(L.LightningModule):
    def __init__(self, lr=0.03, hidden_dim=12, dropout=0.15, batch_size=8):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(
            nn.Linear(6, self.hparams.hidden_dim),
            nn.ReLU(),
            nn.Dropout(self.hparams.dropout),
            nn.Linear(self.hparams.hidden_dim, 1),
        )

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = nn.functional.mse_loss(self(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", nn.functional.mse_loss(self(x), y))

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.hparams.lr)

    def train_dataloader(self):
        x = torch.randn(64, 6)
        y = x.prod(dim=1, keepdim=True)
        return DataLoader(TensorDataset(x, y), batch_size=self.hparams.batch_size, shuffle=True)

    def val_dataloader(self):
        x = torch.randn(16, 6)
        return DataLoader(TensorDataset(x, x.prod(dim=1, keepdim=True)), batch_size=self.hparams.batch_size)
