"""A model on Lightning's demo BoringModel (its layer, loss, optimizer, scheduler and loaders),
with Lightning's RandomDataset for its own validation data: lgen carries the demo classes."""

import torch
from lightning.pytorch.demos.boring_classes import BoringModel, RandomDataset
from torch.utils.data import DataLoader


class Model(BoringModel):
    def __init__(self, scale: float = 2.0):
        super().__init__()
        self.scale = scale

    def training_step(self, batch, batch_idx):
        out = super().training_step(batch, batch_idx)
        self.log("train_loss", out["loss"], prog_bar=True)
        return {"loss": out["loss"] * self.scale}

    def validation_step(self, batch, batch_idx):
        self.log("val_loss", self.step(batch))

    def val_dataloader(self):
        return DataLoader(RandomDataset(32, 16), batch_size=4)

    def on_train_epoch_end(self):
        super().on_train_epoch_end()
        with torch.no_grad():
            self.layer.bias.add_(0.01)
