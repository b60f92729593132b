"""configure_optimizers returns what a helper method builds: lgen cannot tell statically whether
it is an optimizer, so the script checks it as Lightning's `_configure_optimizers` does.

`HelperOptimizerModel` gets an optimizer (trains as usual); `HelperSchedulerModel` gets a
scheduler, and Lightning raises "Unknown configuration for model optimizers".
"""

import lightning as L
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class HelperOptimizerModel(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))

    def training_step(self, batch, batch_idx):
        x, y = batch
        return nn.functional.mse_loss(self.net(x), y)

    def build(self):
        return torch.optim.SGD(self.parameters(), lr=0.05, momentum=0.9)

    def configure_optimizers(self):
        return [self.build()]

    def train_dataloader(self):
        x = torch.randn(80, 8)
        return DataLoader(
            TensorDataset(x, x.sum(dim=1, keepdim=True)), batch_size=8, shuffle=True
        )


class HelperSchedulerModel(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))

    def training_step(self, batch, batch_idx):
        x, y = batch
        return nn.functional.mse_loss(self.net(x), y)

    def build(self):
        optimizer = torch.optim.SGD(self.parameters(), lr=0.05)
        return torch.optim.lr_scheduler.StepLR(optimizer, step_size=1)

    def configure_optimizers(self):
        return self.build()

    def train_dataloader(self):
        x = torch.randn(80, 8)
        return DataLoader(
            TensorDataset(x, x.sum(dim=1, keepdim=True)), batch_size=8, shuffle=True
        )
