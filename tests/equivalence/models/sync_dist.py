"""self.log(..., sync_dist=True) under DDP: a ReduceLROnPlateau monitors the cross-rank
(batch-size-weighted) validation mean, and the training loss is synced per step and per epoch."""

import lightning as L
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class SyncDistModel(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 1))

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = nn.functional.mse_loss(self.net(x), y)
        self.log("train_loss", loss, on_step=True, on_epoch=True, sync_dist=True)
        self.log("train_max", loss, on_step=False, on_epoch=True, reduce_fx="max", sync_dist=True)
        self.log("local_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", nn.functional.mse_loss(self.net(x), y), sync_dist=True)

    def on_train_epoch_end(self):
        # the synced values are the same on every rank: a rank-dependent branch would diverge
        assert "train_loss_epoch" in self.trainer.callback_metrics

    def configure_optimizers(self):
        optimizer = torch.optim.SGD(self.parameters(), lr=0.05, momentum=0.5)
        scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=0, threshold=0.05)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "monitor": "val_loss"}}

    def train_dataloader(self):
        x = torch.randn(72, 6)
        return DataLoader(TensorDataset(x, torch.randn(72, 1)), batch_size=8, shuffle=True)

    def val_dataloader(self):
        # 5 batches of 6, 6, 6, 6, 4 over 2 ranks (padded): weighted means differ from plain ones
        x = torch.randn(28, 6)
        return DataLoader(TensorDataset(x, torch.randn(28, 1)), batch_size=6)
