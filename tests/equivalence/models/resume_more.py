"""For the "3 epochs, resume to 6" tests (tests/test_resume_chain.py): models whose numbers after
a resume change if any part of the training state were not restored.

* ResumeGanModel: manual optimization, two optimizers with state (Adam's moments, SGD's
  momentum) and a scheduler each, stepped by the user at the epoch's end; toggle_optimizer
  where every loss reaches every parameter (a frozen layer in g's optimizer too), validation
  logging a metric. A resume that restored one optimizer's or scheduler's state but not the
  other's, or that left a parameter's requires_grad toggled, trains other weights.
* ResumeManualStepModel: manual optimization with a step-interval scheduler stepped by the user
  every second batch, and the learning rate read in on_train_batch_end into buffers.
* ResumeAccumModel: automatic optimization with a step-interval scheduler and Adam, 10 batches
  an epoch: with accumulate_grad_batches=3 each epoch ends on a short window (3+3+3+1), and the
  learning rate read in on_train_batch_end shows when the scheduler steps. Also run with
  precision="bf16-mixed" (validation logs a Linear's output, which autocast changes) and with
  strategy="ddp", devices=2.
"""

import lightning as L
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class ResumeGanModel(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.g = nn.Linear(6, 6)
        self.d = nn.Linear(6, 1)
        self.frozen = nn.Linear(6, 6)
        self.frozen.requires_grad_(False)
        self.automatic_optimization = False
        x = torch.randn(40, 6)
        self.data = TensorDataset(x, x.sum(dim=1, keepdim=True))

    def _out(self, x):
        return self.d(torch.tanh(self.g(x) + self.frozen(x)))

    def training_step(self, batch, batch_idx):
        g_opt, d_opt = self.optimizers()
        x, y = batch
        self.toggle_optimizer(d_opt)
        loss_d = F.mse_loss(self._out(x), y)
        self.manual_backward(loss_d)
        d_opt.step()
        d_opt.zero_grad()
        self.untoggle_optimizer(d_opt)
        with self.toggled_optimizer(g_opt):
            loss_g = F.mse_loss(self._out(x), -y)
            self.manual_backward(loss_g)
            g_opt.step()
            g_opt.zero_grad()
        self.log_dict({"loss_d": loss_d, "loss_g": loss_g}, on_step=True, on_epoch=True)

    def on_train_epoch_end(self):
        g_sched, d_sched = self.lr_schedulers()
        g_sched.step()
        d_sched.step()

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", F.mse_loss(self._out(x), y))

    def configure_optimizers(self):
        g_opt = torch.optim.Adam(list(self.g.parameters()) + list(self.frozen.parameters()), lr=0.01)
        d_opt = torch.optim.SGD(self.d.parameters(), lr=0.05, momentum=0.9)
        g_sched = torch.optim.lr_scheduler.StepLR(g_opt, step_size=2, gamma=0.5)
        d_sched = torch.optim.lr_scheduler.ExponentialLR(d_opt, gamma=0.8)
        return [g_opt, d_opt], [g_sched, d_sched]

    def train_dataloader(self):
        return DataLoader(self.data, batch_size=8, shuffle=True)

    def val_dataloader(self):
        return DataLoader(self.data, batch_size=20)


class ResumeManualStepModel(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(4, 8)
        self.l2 = nn.Linear(8, 1)
        self.register_buffer("batch_end_lr", torch.zeros(()))
        self.register_buffer("calls", torch.zeros((), dtype=torch.long))
        self.automatic_optimization = False
        self.data = TensorDataset(torch.randn(36, 4), torch.randn(36, 1))

    def training_step(self, batch, batch_idx):
        opt = self.optimizers()
        sched = self.lr_schedulers()
        x, y = batch
        loss = F.mse_loss(self.l2(torch.relu(self.l1(x))), y)
        opt.zero_grad()
        self.manual_backward(loss)
        opt.step()
        if (batch_idx + 1) % 2 == 0:
            sched.step()
        self.log("train_loss", loss)

    def on_train_batch_end(self, outputs, batch, batch_idx):
        with torch.no_grad():
            self.batch_end_lr.mul_(0.5).add_(self.optimizers().param_groups[0]["lr"])
            self.calls += 1

    def configure_optimizers(self):
        opt = torch.optim.SGD(self.parameters(), lr=0.1, momentum=0.9)
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.8)
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}

    def train_dataloader(self):
        return DataLoader(self.data, batch_size=4, shuffle=True)


class ResumeAccumModel(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(4, 8)
        self.l2 = nn.Linear(8, 1)
        self.register_buffer("batch_end_lr", torch.zeros(()))
        self.register_buffer("val_sum", torch.zeros(()))
        self.data = TensorDataset(torch.randn(40, 4), torch.randn(40, 1))

    def forward(self, x):
        return self.l2(torch.relu(self.l1(x)))

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = F.mse_loss(self(x), y)
        self.log("train_loss", loss, on_step=True, on_epoch=True)
        return loss

    def on_train_batch_end(self, outputs, batch, batch_idx):
        with torch.no_grad():
            self.batch_end_lr.mul_(0.5).add_(self.optimizers().param_groups[0]["lr"])

    def validation_step(self, batch, batch_idx):
        x, y = batch
        out = self(x)
        with torch.no_grad():
            self.val_sum.add_(out.float().sum())
        self.log("val_loss", F.mse_loss(out.float(), y))

    def configure_optimizers(self):
        opt = torch.optim.Adam(self.parameters(), lr=0.02)
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.7)
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}

    def train_dataloader(self):
        return DataLoader(self.data, batch_size=4, shuffle=True)

    def val_dataloader(self):
        return DataLoader(self.data, batch_size=20)
