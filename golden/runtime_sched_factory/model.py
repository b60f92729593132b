"""Schedulers whose class lgen cannot see: the script decides their kind as Lightning does.

A factory function, `getattr(torch.optim.lr_scheduler, ...)`, a timm-like scheduler that is
not a torch LRScheduler (stepped by an `lr_scheduler_step` override), and a ReduceLROnPlateau
built behind a helper method, with its monitor read from an attribute.
"""

import math

import lightning as L
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def warmup_then_linear(optimizer, warmup_steps, total_steps):
    """Like transformers' get_linear_schedule_with_warmup: a LambdaLR."""

    def factor(step):
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup_steps))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


class CosineDecay:
    """A timm-like scheduler: not a torch LRScheduler; `step(epoch)` sets each group's lr."""

    def __init__(self, optimizer, t_initial, lr_min=0.0):
        self.optimizer = optimizer
        self.t_initial = t_initial
        self.lr_min = lr_min
        self.base_lrs = [group["lr"] for group in optimizer.param_groups]
        self.step(0)

    def step(self, epoch):
        t = min(epoch, self.t_initial) / self.t_initial
        for group, base in zip(self.optimizer.param_groups, self.base_lrs):
            group["lr"] = self.lr_min + 0.5 * (base - self.lr_min) * (1 + math.cos(math.pi * t))

    def state_dict(self):
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)


def _data(n):
    x = torch.randn(n, 6)
    y = torch.randn(n, 1)
    return TensorDataset(x, y)


class FactoryWarmupModel(L.LightningModule):
    """(a) a factory function returning a LambdaLR with warmup, stepped every batch."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 1))

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return nn.functional.mse_loss(self(x), y)

    def configure_optimizers(self):
        optimizer = torch.optim.SGD(self.parameters(), lr=0.1, momentum=0.9)
        scheduler = warmup_then_linear(optimizer, 3, 20)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}

    def train_dataloader(self):
        return DataLoader(_data(64), batch_size=8, shuffle=True)


class GetattrStepLRModel(L.LightningModule):
    """(b) the scheduler class looked up by name: `getattr(torch.optim.lr_scheduler, "StepLR")`."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 1))

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return nn.functional.mse_loss(self(x), y)

    def configure_optimizers(self):
        optimizer = torch.optim.Adam(self.parameters(), lr=0.05)
        scheduler = getattr(torch.optim.lr_scheduler, "StepLR")(optimizer, step_size=1, gamma=0.3)
        return [optimizer], [scheduler]

    def train_dataloader(self):
        return DataLoader(_data(40), batch_size=8, shuffle=True)


class CustomSchedulerModel(L.LightningModule):
    """(c) a timm-like scheduler with an `lr_scheduler_step` override, as Lightning's docs show."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 1))

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return nn.functional.mse_loss(self(x), y)

    def configure_optimizers(self):
        optimizer = torch.optim.SGD(self.parameters(), lr=0.2)
        scheduler = CosineDecay(optimizer, t_initial=4, lr_min=0.01)
        return [optimizer], [{"scheduler": scheduler, "interval": "epoch"}]

    def lr_scheduler_step(self, scheduler, metric):
        scheduler.step(epoch=self.current_epoch)

    def train_dataloader(self):
        return DataLoader(_data(40), batch_size=8, shuffle=True)


class HelperPlateauModel(L.LightningModule):
    """(d) a ReduceLROnPlateau built behind a helper; its monitor is an attribute."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 1))
        self.monitor = "val_loss"

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return nn.functional.mse_loss(self(x), y)

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", nn.functional.mse_loss(self(x), y))

    def make_scheduler(self, optimizer):
        return torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=0, threshold=0.5)

    def configure_optimizers(self):
        optimizer = torch.optim.SGD(self.parameters(), lr=0.05, momentum=0.5)
        return {
            "optimizer": optimizer,
            "lr_scheduler": {"scheduler": self.make_scheduler(optimizer), "monitor": self.monitor},
        }

    def train_dataloader(self):
        return DataLoader(_data(64), batch_size=8, shuffle=True)

    def val_dataloader(self):
        return DataLoader(_data(20), batch_size=8)


class HelperPlateauStepModel(L.LightningModule):
    """(d) as above, at interval "step", every 4th batch: after validation (val_check_interval=0.5), with its metric."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 1))
        self.monitor = "val_loss"

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return nn.functional.mse_loss(self(x), y)

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", nn.functional.mse_loss(self(x), y))

    def make_scheduler(self, optimizer):
        return torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=0, threshold=0.5)

    def configure_optimizers(self):
        optimizer = torch.optim.SGD(self.parameters(), lr=0.05, momentum=0.5)
        scheduler = {"scheduler": self.make_scheduler(optimizer), "monitor": self.monitor, "interval": "step", "frequency": 4}
        return {"optimizer": optimizer, "lr_scheduler": scheduler}

    def train_dataloader(self):
        return DataLoader(_data(64), batch_size=8, shuffle=True)

    def val_dataloader(self):
        return DataLoader(_data(20), batch_size=8)


class CustomSchedulerNoHookModel(L.LightningModule):
    """(e) a scheduler that is not a torch LRScheduler, and no `lr_scheduler_step`: Lightning raises."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 1))

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return nn.functional.mse_loss(self(x), y)

    def configure_optimizers(self):
        optimizer = torch.optim.SGD(self.parameters(), lr=0.2)
        return [optimizer], [CosineDecay(optimizer, t_initial=4)]

    def train_dataloader(self):
        return DataLoader(_data(40), batch_size=8, shuffle=True)


class MixedSchedulersModel(L.LightningModule):
    """Known and unknown schedulers together, stepped in Lightning's list order at each site."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 1))
        self.monitor = "val_loss"

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return nn.functional.mse_loss(self(x), y)

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", nn.functional.mse_loss(self(x), y))

    def make_scheduler(self, optimizer):
        return torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=0, threshold=0.5)

    def configure_optimizers(self):
        optimizer = torch.optim.SGD(self.parameters(), lr=0.05, momentum=0.5)
        schedulers = [
            getattr(torch.optim.lr_scheduler, "ExponentialLR")(optimizer, gamma=0.9),
            torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.8),
            {"scheduler": self.make_scheduler(optimizer), "monitor": "val_loss", "interval": "step", "frequency": 4},
            {"scheduler": self.make_scheduler(optimizer), "monitor": self.monitor},
            {"scheduler": warmup_then_linear(optimizer, 2, 30), "interval": "step"},
            {"scheduler": torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, patience=0), "monitor": self.monitor},
        ]
        return [optimizer], schedulers

    def train_dataloader(self):
        return DataLoader(_data(64), batch_size=8, shuffle=True)

    def val_dataloader(self):
        return DataLoader(_data(20), batch_size=8)


class NoLoadState(CosineDecay):
    load_state_dict = None  # blocked: Lightning's `_Stateful` check fails


class StatelessSchedulerModel(L.LightningModule):
    """(e) a scheduler without `load_state_dict`: Lightning raises a TypeError at fit start."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 1))

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return nn.functional.mse_loss(self(x), y)

    def configure_optimizers(self):
        optimizer = torch.optim.SGD(self.parameters(), lr=0.2)
        return [optimizer], [NoLoadState(optimizer, t_initial=4)]

    def lr_scheduler_step(self, scheduler, metric):
        scheduler.step(epoch=self.current_epoch)

    def train_dataloader(self):
        return DataLoader(_data(40), batch_size=8, shuffle=True)


class HelperPlateauNoMonitorModel(L.LightningModule):
    """(e) a ReduceLROnPlateau behind a helper whose monitor attribute is None: Lightning raises."""

    def __init__(self, monitor=None):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 1))
        self.monitor = monitor

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return nn.functional.mse_loss(self(x), y)

    def make_scheduler(self, optimizer):
        return torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer)

    def configure_optimizers(self):
        optimizer = torch.optim.SGD(self.parameters(), lr=0.05)
        return [{"optimizer": optimizer, "lr_scheduler": {"scheduler": self.make_scheduler(optimizer), "monitor": self.monitor}}]

    def train_dataloader(self):
        return DataLoader(_data(40), batch_size=8, shuffle=True)
