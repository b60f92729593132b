"""save_hyperparameters() in a base's __init__ while the model class has an __init__ of its own:
Lightning merges the arguments of every __init__ frame on the way (the model's too)."""

import lightning as L
import torch
from torch import nn


class BaseTask(L.LightningModule):
    def __init__(self, lr: float = 0.1):
        super().__init__()
        self.save_hyperparameters()

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


class Model(BaseTask):
    def __init__(self, hidden: int = 8, lr: float = 0.1):
        super().__init__(lr=lr)
        self.net = nn.Linear(4, hidden)

    def training_step(self, batch, batch_idx):
        return self.net(batch).sum()
