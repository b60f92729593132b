"""A metric logged through a name built at run time: lgen cannot see that it is `self.log`."""

import lightning as L
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class HiddenLogModel(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = F.mse_loss(self.net(x), y)
        getattr(self, "lo" + "g")("train_loss", loss)
        return loss

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)

    def train_dataloader(self):
        x = torch.randn(16, 4)
        return DataLoader(TensorDataset(x, x.sum(dim=1, keepdim=True)), batch_size=4)
