"""The model returns callbacks from `configure_callbacks`: one from a sibling module, one of its
own module. lgen splices both into the script (without their `Callback` base)."""

import torch
from lightning.pytorch import LightningModule
from lightning.pytorch.callbacks import Callback

from pkg.callbacks import Warmup


class Report(Callback):
    def on_train_epoch_end(self, trainer, pl_module):
        loss = trainer.callback_metrics["train_loss"].item()
        print("result", trainer.current_epoch, trainer.optimizers[0].param_groups[0]["lr"], loss)


class Net(LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(2, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.layer(x), y)
        self.log("train_loss", loss, on_step=False, on_epoch=True)
        return loss

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.0)

    def configure_callbacks(self):
        return [Warmup(steps=7, peak=0.2), Report()]
