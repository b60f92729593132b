"""Facts lgen cannot read off the syntax, which Lightning decides at run time.

* `training_step` returns what a helper returns (a dict with "loss", a Tensor, or None);
* `training_step` / `validation_step` without `batch_idx`, or behind a decorator that hides the
  signature (Lightning follows `__wrapped__`).

`on_train_batch_end` folds what it receives into a buffer that scales the loss, so a wrong
`outputs` dict, a skipped batch or a missed backward shows in the weights.
"""

import functools

import lightning as L
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def traced(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs)

    return wrapper


def make_net():
    return nn.Sequential(nn.Linear(6, 12), nn.Tanh(), nn.Linear(12, 1))


def train_loader():
    x = torch.randn(72, 6)  # 9 batches of 8
    y = x[:, :3].sum(dim=1, keepdim=True) - x[:, 3:].prod(dim=1, keepdim=True)
    return DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True)


def val_loader():
    x = torch.randn(24, 6)
    return DataLoader(TensorDataset(x, x.sum(dim=1, keepdim=True)), batch_size=8)


class HelperDictStep(L.LightningModule):
    """`return self._shared_step(batch, "train")`: the helper returns a dict with "loss"."""

    def __init__(self):
        super().__init__()
        self.net = make_net()
        self.register_buffer("scale", torch.ones(()))

    def _shared_step(self, batch, stage):
        x, y = batch
        out = self.net(x)
        loss = F.mse_loss(out, y) * self.scale
        self.log(f"{stage}_loss", loss, on_step=False, on_epoch=True)
        return {"loss": loss, "abs": (out - y).abs().mean().detach()}

    def training_step(self, batch, batch_idx):
        return self._shared_step(batch, "train")

    def validation_step(self, batch, batch_idx):
        return self._shared_step(batch, "val")

    def on_train_batch_end(self, outputs, batch, batch_idx):
        self.scale.mul_(0.9).add_(0.1 * outputs["abs"]).clamp_(0.5, 2.0)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.05, momentum=0.9)

    def train_dataloader(self):
        return train_loader()

    def val_dataloader(self):
        return val_loader()


class HelperMaybeNone(L.LightningModule):
    """The helper returns a Tensor, or None (Lightning skips backward; the step still counts)."""

    def __init__(self):
        super().__init__()
        self.net = make_net()
        self.register_buffer("seen", torch.zeros(()))

    def compute(self, batch, batch_idx):
        if batch_idx % 4 == 1:
            return None
        x, y = batch
        return F.mse_loss(self.net(x), y)

    def training_step(self, batch, batch_idx):
        loss = self.compute(batch, batch_idx)
        return loss

    def on_train_batch_end(self, outputs, batch, batch_idx):
        self.seen += len(outputs)  # {} for a skipped batch, {"loss": ...} otherwise

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=0.01)

    def train_dataloader(self):
        return train_loader()


class NoBatchIdx(L.LightningModule):
    """`training_step(self, batch)` and `validation_step(self, batch)`, as Lightning's GAN examples."""

    def __init__(self):
        super().__init__()
        self.net = make_net()

    def training_step(self, batch):
        x, y = batch
        loss = F.mse_loss(self.net(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch):
        x, y = batch
        self.log("val_loss", F.mse_loss(self.net(x), y))

    def on_validation_epoch_end(self):
        # what validation logged steers training: a validation run that did not happen shows
        self.net[0].bias.data.add_(0.01 * self.trainer.callback_metrics.get("val_loss", torch.tensor(0.5)))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.05)

    def train_dataloader(self):
        return train_loader()

    def val_dataloader(self):
        return val_loader()


class DecoratedSteps(L.LightningModule):
    """Steps behind a decorator: the script reads the signature at run time, as Lightning."""

    def __init__(self):
        super().__init__()
        self.net = make_net()

    @traced
    def training_step(self, batch):
        x, y = batch
        return F.l1_loss(self.net(x), y)

    @traced
    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", F.l1_loss(self.net(x), y) + batch_idx)

    def on_validation_epoch_end(self):
        self.net[0].bias.data.add_(0.01 * self.trainer.callback_metrics.get("val_loss", torch.tensor(0.5)))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.05)

    def train_dataloader(self):
        return train_loader()

    def val_dataloader(self):
        return val_loader()


class ManualHelperNoBatchIdx(L.LightningModule):
    """Manual optimization, `training_step(self, batch)` returning a helper's dict."""

    def __init__(self):
        super().__init__()
        self.automatic_optimization = False
        self.net = make_net()
        self.register_buffer("seen", torch.zeros(()))

    def _step(self, batch):
        x, y = batch
        return {"loss": F.mse_loss(self.net(x), y), "n": torch.tensor(float(len(x)))}

    def training_step(self, batch):
        opt = self.optimizers()
        out = self._step(batch)
        opt.zero_grad()
        self.manual_backward(out["loss"])
        opt.step()
        return out

    def on_train_batch_end(self, outputs, batch, batch_idx):
        self.seen += outputs["n"] + outputs["loss"]

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.05, momentum=0.5)

    def train_dataloader(self):
        return train_loader()
