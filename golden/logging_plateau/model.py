"""self.log(on_step=True, on_epoch=True, prog_bar=True); a ReduceLROnPlateau monitors
the (batch-size weighted) epoch mean "train_loss".  70 samples / 8: last batch has 6."""

from lightning.pytorch import LightningModule
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class LoggingPlateauModel(LightningModule):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(5, 10), nn.ReLU(), nn.Linear(10, 1))

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = nn.functional.mse_loss(self(x), y)
        self.log("train_loss", loss, on_step=True, on_epoch=True, prog_bar=True)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", nn.functional.mse_loss(self(x), y), prog_bar=True)

    def configure_optimizers(self):
        optimizer = torch.optim.SGD(self.parameters(), lr=0.3, momentum=0.9)
        scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=0, threshold=0.2)
        return {
            "optimizer": optimizer,
            "lr_scheduler": {"scheduler": scheduler, "monitor": "train_loss"},
        }

    def train_dataloader(self):
        x = torch.randn(70, 5)
        y = torch.randn(70, 1)
        return DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True)

    def val_dataloader(self):
        x = torch.randn(20, 5)
        return DataLoader(TensorDataset(x, torch.randn(20, 1)), batch_size=8)
