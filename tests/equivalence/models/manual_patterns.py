"""Manual-optimization patterns beyond the guide's literal examples: optimizers passed to a
helper method, iterated, subscripted; toggle_model; the backward and optimizer-step hooks;
plateau on a validation metric; use_pl_optimizer=False; a dict without "loss" returned."""

import lightning as L
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def data(n=80):
    x = torch.randn(n, 8)
    y = x.sum(dim=1, keepdim=True) + 0.1 * torch.randn(n, 1)
    return DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True)


class HelperStep(L.LightningModule):
    """The optimizer goes through a helper method; the optimizers are iterated and subscripted."""

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(8, 4)
        self.b = nn.Linear(4, 1)
        self.automatic_optimization = False

    def _optimize(self, opt, loss, scale=1.0):
        opt.zero_grad()
        self.manual_backward(loss * scale)
        opt.step()

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = F.mse_loss(self.b(torch.relu(self.a(x))), y)
        opts = self.optimizers()
        for opt in self.optimizers():
            opt.zero_grad()
        self.manual_backward(loss, retain_graph=True)
        opts[0].step()
        self.optimizers()[1].step()
        loss2 = F.mse_loss(self.b(torch.relu(self.a(x))), y)
        self._optimize(opts[1], loss2, scale=0.5)
        return {"loss": loss, "extra": loss2.detach()}

    def on_train_batch_end(self, outputs, batch, batch_idx):
        assert set(outputs) == {"loss", "extra"}
        assert not outputs["loss"].requires_grad

    def configure_optimizers(self):
        return [torch.optim.SGD(self.a.parameters(), lr=0.05), torch.optim.Adam(self.b.parameters(), lr=0.01)]

    def train_dataloader(self):
        return data()


class HooksAndToggleModel(L.LightningModule):
    """toggle_model(), and the hooks Lightning calls inside manual_backward and opt.step()."""

    def __init__(self):
        super().__init__()
        self.g = nn.Linear(8, 8)
        self.d = nn.Linear(8, 1)
        self.automatic_optimization = False
        self.calls = 0

    def on_before_backward(self, loss):
        self.calls += 1

    def backward(self, loss, *args, **kwargs):
        (loss * 2.0).backward(*args, **kwargs)

    def on_after_backward(self):
        for p in self.parameters():
            if p.grad is not None:
                p.grad.mul_(0.5)

    def on_before_optimizer_step(self, optimizer):
        # runs inside every opt.step(), after the closure: scale this optimizer's gradients
        for group in optimizer.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.grad.mul_(0.9)

    def training_step(self, batch, batch_idx):
        g_opt, d_opt = self.optimizers()
        x, y = batch
        with d_opt.toggle_model():
            loss_d = F.mse_loss(self.d(self.g(x).detach()), y)
            d_opt.zero_grad()
            self.manual_backward(loss_d)
            d_opt.step()
        with g_opt.toggle_model():
            loss_g = F.mse_loss(self.d(self.g(x)), -y)
            g_opt.zero_grad()
            self.manual_backward(loss_g)
            g_opt.step()

    def configure_optimizers(self):
        return torch.optim.SGD(self.g.parameters(), lr=0.05), torch.optim.SGD(self.d.parameters(), lr=0.05, momentum=0.9)

    def train_dataloader(self):
        return data()


class ClosureAndPlateau(L.LightningModule):
    """opt.step(closure) with SGD (positional closure), ReduceLROnPlateau on val_loss, raw optimizers."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 1))
        self.automatic_optimization = False

    def training_step(self, batch, batch_idx):
        opt = self.optimizers()
        raw = self.optimizers(use_pl_optimizer=False)
        assert raw is self.trainer.optimizers[0]
        x, y = batch

        def closure():
            loss = F.mse_loss(self.net(x), y)
            opt.zero_grad()
            self.manual_backward(loss)
            return loss

        loss = opt.step(closure)
        self.log("train_loss", loss, prog_bar=True)
        sch = self.lr_schedulers()
        if self.trainer.is_last_batch:
            self.log("lr", raw.param_groups[0]["lr"], on_step=False, on_epoch=True)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", F.mse_loss(self.net(x), y))

    def on_train_epoch_end(self):
        sch = self.lr_schedulers()
        sch.step(self.trainer.callback_metrics["val_loss"])

    def configure_optimizers(self):
        opt = torch.optim.SGD(self.parameters(), lr=0.1, momentum=0.9)
        sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=0, threshold=0.9)
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "monitor": "val_loss"}}

    def train_dataloader(self):
        return data()

    def val_dataloader(self):
        x = torch.randn(20, 8)
        return DataLoader(TensorDataset(x, x.sum(dim=1, keepdim=True)), batch_size=8)


class NoScheduler(L.LightningModule):
    """self.lr_schedulers() is None without schedulers; max_steps counts opt.step() calls."""

    def __init__(self):
        super().__init__()
        self.net = nn.Linear(8, 1)
        self.automatic_optimization = False

    def training_step(self, batch, batch_idx):
        opt = self.optimizers()
        x, y = batch
        for _ in range(2):
            loss = F.mse_loss(self.net(x), y)
            opt.zero_grad()
            self.manual_backward(loss)
            opt.step()
        sch = self.lr_schedulers()
        if sch is not None:
            sch.step()

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=0.01)

    def train_dataloader(self):
        return data()
