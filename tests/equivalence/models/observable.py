"""Models where a behaviour that leaves the final weights alone in the other models shows in
the numbers (issue 19): each one's wrong variant changes the checkpoint or callback_metrics.

* ToggleLeakModel: manual optimization where every loss reaches every parameter and gradients
  are zeroed only after each step, so a toggle_optimizer that froze nothing would leak one
  optimizer's loss into the other's gradients (and a frozen parameter would train).
* EpochLrReadModel / StepLrReadModel: the learning rate read inside validation_step and in
  on_train_batch_end, into buffers and logged: the scheduler's stepping order against the
  validation loop and the batch hooks shows in the state_dict and callback_metrics.
* AutocastValModel: validation outputs that differ under bf16 autocast (a Linear's matmul),
  logged and summed into a buffer; run with precision="bf16-mixed".
"""

import lightning as L
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class ToggleLeakModel(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.g = nn.Linear(6, 6)
        self.d = nn.Linear(6, 1)
        self.frozen = nn.Linear(6, 6)
        self.frozen.requires_grad_(False)
        self.automatic_optimization = False
        x = torch.randn(48, 6)
        self.data = TensorDataset(x, x.sum(dim=1, keepdim=True))

    def training_step(self, batch, batch_idx):
        g_opt, d_opt = self.optimizers()
        x, y = batch
        # d's step: its loss also reaches g (not detached); toggled, g gets no gradient
        self.toggle_optimizer(d_opt)
        loss_d = F.mse_loss(self.d(torch.tanh(self.g(x) + self.frozen(x))), y)
        self.manual_backward(loss_d)
        d_opt.step()
        d_opt.zero_grad()
        self.untoggle_optimizer(d_opt)
        # g's step: its loss also reaches d and the frozen layer
        with self.toggled_optimizer(g_opt):
            loss_g = F.mse_loss(self.d(torch.tanh(self.g(x) + self.frozen(x))), -y)
            self.manual_backward(loss_g)
            g_opt.step()
            g_opt.zero_grad()
        self.log_dict({"loss_d": loss_d, "loss_g": loss_g})

    def configure_optimizers(self):
        # the frozen layer is in g's optimizer: toggling must give it back requires_grad=False
        g_opt = torch.optim.SGD(list(self.g.parameters()) + list(self.frozen.parameters()), lr=0.05)
        d_opt = torch.optim.SGD(self.d.parameters(), lr=0.05, momentum=0.9)
        return g_opt, d_opt

    def train_dataloader(self):
        return DataLoader(self.data, batch_size=8, shuffle=True)


class EpochLrReadModel(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(4, 8)
        self.l2 = nn.Linear(8, 1)
        self.register_buffer("batch_end_lr", torch.zeros(()))
        self.register_buffer("val_lr", torch.zeros(()))
        self.register_buffer("lr_trace", torch.zeros(64))
        self.register_buffer("calls", torch.zeros((), dtype=torch.long))
        self.data = TensorDataset(torch.randn(40, 4), torch.randn(40, 1))

    def forward(self, x):
        return self.l2(torch.relu(self.l1(x)))

    def _lr(self):
        return self.optimizers().param_groups[0]["lr"]

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = F.mse_loss(self(x), y)
        self.log("train_loss", loss)
        return loss

    def on_train_batch_end(self, outputs, batch, batch_idx):
        lr = self._lr()
        with torch.no_grad():
            # position-weighted: the order of the learning rates read shows, not only their sum
            self.batch_end_lr.mul_(0.5).add_(lr)
            self.lr_trace[self.calls % 64] = lr
            self.calls += 1

    def validation_step(self, batch, batch_idx):
        x, y = batch
        lr = self._lr()
        with torch.no_grad():
            self.val_lr.mul_(0.5).add_(lr)
        self.log("val_lr", lr)
        self.log("val_loss", F.mse_loss(self(x), y) * lr)

    def configure_optimizers(self):
        optimizer = torch.optim.SGD(self.parameters(), lr=0.1, momentum=0.9)
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
        return {
            "optimizer": optimizer,
            "lr_scheduler": {"scheduler": scheduler, "interval": "epoch"},
        }

    def train_dataloader(self):
        return DataLoader(self.data, batch_size=8, shuffle=True)

    def val_dataloader(self):
        return DataLoader(self.data, batch_size=16)


class StepLrReadModel(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(4, 8)
        self.l2 = nn.Linear(8, 1)
        self.register_buffer("batch_end_lr", torch.zeros(()))
        self.register_buffer("val_lr", torch.zeros(()))
        self.register_buffer("lr_trace", torch.zeros(64))
        self.register_buffer("calls", torch.zeros((), dtype=torch.long))
        self.data = TensorDataset(torch.randn(40, 4), torch.randn(40, 1))

    def forward(self, x):
        return self.l2(torch.relu(self.l1(x)))

    def _lr(self):
        return self.optimizers().param_groups[0]["lr"]

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = F.mse_loss(self(x), y)
        self.log("train_loss", loss)
        return loss

    def on_train_batch_end(self, outputs, batch, batch_idx):
        lr = self._lr()
        with torch.no_grad():
            # position-weighted: the order of the learning rates read shows, not only their sum
            self.batch_end_lr.mul_(0.5).add_(lr)
            self.lr_trace[self.calls % 64] = lr
            self.calls += 1

    def validation_step(self, batch, batch_idx):
        x, y = batch
        lr = self._lr()
        with torch.no_grad():
            self.val_lr.mul_(0.5).add_(lr)
        self.log("val_lr", lr)
        self.log("val_loss", F.mse_loss(self(x), y) * lr)

    def configure_optimizers(self):
        optimizer = torch.optim.SGD(self.parameters(), lr=0.1, momentum=0.9)
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.8)
        return {
            "optimizer": optimizer,
            "lr_scheduler": {"scheduler": scheduler, "interval": "step", "frequency": 2},
        }

    def train_dataloader(self):
        return DataLoader(self.data, batch_size=8, shuffle=True)

    def val_dataloader(self):
        return DataLoader(self.data, batch_size=16)


class AutocastValModel(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(8, 16)
        self.l2 = nn.Linear(16, 1)
        self.register_buffer("val_sum", torch.zeros((), dtype=torch.float64))
        x = torch.randn(40, 8) * 3.1
        self.data = TensorDataset(x, x.sum(dim=1, keepdim=True) / 7.0)

    def forward(self, x):
        return self.l2(torch.tanh(self.l1(x)))

    def training_step(self, batch, batch_idx):
        x, y = batch
        return F.mse_loss(self(x).float(), y)

    def validation_step(self, batch, batch_idx):
        x, y = batch
        out = self(x)
        with torch.no_grad():
            self.val_sum.add_(out.double().sum())
        self.log("val_out_dtype_bits", float(torch.finfo(out.dtype).bits))
        self.log("val_loss", F.mse_loss(out.float(), y))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.01)

    def train_dataloader(self):
        return DataLoader(self.data, batch_size=8, shuffle=True)

    def val_dataloader(self):
        return DataLoader(self.data, batch_size=16)
