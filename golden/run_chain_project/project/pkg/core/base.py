"""An abstract task: the network comes from the subclass, the rest from constructor arguments."""

import abc

import lightning.pytorch as pl
import torch
from torch import nn

LOSSES = {"mse": nn.functional.mse_loss, "l1": nn.functional.l1_loss}


class BaseTask(pl.LightningModule, abc.ABC):
    def __init__(self, lr: float = 0.1, hidden: int = 8, loss: str = "mse"):
        super().__init__()
        self.save_hyperparameters()
        self.net = self.build(hidden)
        self.criterion = LOSSES[loss]

    @abc.abstractmethod
    def build(self, hidden: int) -> nn.Module:
        """The network."""

    def forward(self, x):
        return self.net(x)

    def shared_step(self, batch, stage):
        x, y = batch
        loss = self.criterion(self(x), y)
        self.log(f"{stage}_loss", loss, prog_bar=True)
        return loss

    def training_step(self, batch, batch_idx):
        return self.shared_step(batch, "train")

    def validation_step(self, batch, batch_idx):
        self.shared_step(batch, "val")

    def on_train_epoch_start(self):
        self.seen = 0

    def configure_optimizers(self):
        opt = torch.optim.SGD(self.parameters(), lr=self.hparams.lr, momentum=0.9)
        return {"optimizer": opt, "lr_scheduler": torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)}
