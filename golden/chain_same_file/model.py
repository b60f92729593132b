"""A model that derives from a task base of the same file (an abstract base that configures the
network through a method the subclass supplies), with a mixin Lightning calls into: the hooks
and methods the model has are the ones Python's MRO picks, and super() calls reach the base."""

import abc

import lightning as L
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class WarmStart:
    """A mixin that defines a hook: Lightning calls it on the model."""

    def on_train_start(self):
        with torch.no_grad():
            self.net[0].weight.mul_(0.5)


class BaseTask(L.LightningModule, abc.ABC):
    def __init__(self, lr: float = 0.1, hidden: int = 8):
        super().__init__()
        self.save_hyperparameters()
        self.net = self.build(hidden)
        self.x = torch.randn(64, 4)
        self.y = torch.randn(64, 1)

    @abc.abstractmethod
    def build(self, hidden: int) -> nn.Module: ...

    def forward(self, x):
        return self.net(x)

    def shared_step(self, batch, stage):
        x, y = batch
        loss = nn.functional.mse_loss(self(x), y)
        self.log(f"{stage}_loss", loss, prog_bar=True)
        return loss

    def training_step(self, batch, batch_idx):
        return self.shared_step(batch, "train")

    def validation_step(self, batch, batch_idx):
        self.shared_step(batch, "val")

    def on_train_epoch_start(self):
        self.seen = 0

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)

    def train_dataloader(self):
        return DataLoader(TensorDataset(self.x, self.y), batch_size=8, shuffle=True)

    def val_dataloader(self):
        return DataLoader(TensorDataset(self.x[:24], self.y[:24]), batch_size=8)


class Regression(WarmStart, BaseTask):
    """The subclass keeps its base's __init__ (and save_hyperparameters there)."""

    def build(self, hidden):
        return nn.Sequential(nn.Linear(4, hidden), nn.Tanh(), nn.Linear(hidden, 1))

    def training_step(self, batch, batch_idx):
        loss = super().training_step(batch, batch_idx)
        self.seen += 1
        self.log("seen", float(self.seen), on_step=True, on_epoch=False)
        return loss * (1.0 + 0.1 * self.current_epoch)

    def on_train_epoch_start(self):
        super().on_train_epoch_start()
        self.seen = 10

    def on_validation_epoch_end(self):
        super().on_validation_epoch_end()  # LightningModule's own: does nothing


class Unused(BaseTask):
    def build(self, hidden):
        return nn.Linear(4, 1)
