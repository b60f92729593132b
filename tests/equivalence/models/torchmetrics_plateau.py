"""torchmetrics objects given to self.log / self.log_dict, and a ReduceLROnPlateau (mode "max")
that monitors one of them: the learning rate, so every weight, follows the exact epoch values
(`compute()` after a reset at every validation run's end). Train: Accuracy via forward
(on_step and on_epoch), a MeanMetric via update only; validation: a MetricCollection with
compute groups (Accuracy + F1Score) via log_dict, and a MaxMetric of a computed value logged as
a tensor. 64 samples / 10: the last batch has 4."""

import torch
import torchmetrics
from lightning.pytorch import LightningModule
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def _data(n, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 6, generator=g)
    y = (x[:, 0] > 0).long() + (x[:, 1] > 0.5).long()
    return TensorDataset(x, y)


class TorchmetricsPlateauModel(LightningModule):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(6, 12), nn.Tanh(), nn.Linear(12, 3))
        self.train_acc = torchmetrics.Accuracy(task="multiclass", num_classes=3)
        self.train_loss = torchmetrics.MeanMetric()
        self.val_scores = torchmetrics.MetricCollection(
            {
                "acc": torchmetrics.Accuracy(task="multiclass", num_classes=3),
                "f1": torchmetrics.F1Score(task="multiclass", num_classes=3, average="macro"),
            },
            prefix="val_",
        )
        self.val_f1_best = torchmetrics.MaxMetric()

    def on_train_start(self):
        self.val_f1_best.reset()  # the sanity check updated it

    def training_step(self, batch, batch_idx):
        x, y = batch
        logits = self.net(x)
        loss = nn.functional.cross_entropy(logits, y)
        self.train_acc(logits, y)
        self.train_loss.update(loss)
        self.log("train_acc", self.train_acc, on_step=True, on_epoch=True, prog_bar=True)
        self.log("train_loss", self.train_loss, on_step=True, on_epoch=True)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.val_scores.update(self.net(x), y)
        self.log_dict(self.val_scores)

    def on_validation_epoch_end(self):
        self.val_f1_best(self.val_scores["f1"].compute())
        # batch_size=1: Lightning's own in an epoch hook (no batch); the script's `self.log` still
        # weights a value logged there with the last batch's size (off by an ulp), not this feature's
        self.log("val_f1_best", self.val_f1_best.compute(), batch_size=1)

    def configure_optimizers(self):
        optimizer = torch.optim.SGD(self.parameters(), lr=0.8, momentum=0.5)
        scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="max", factor=0.5, patience=0)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "monitor": "val_f1"}}

    def train_dataloader(self):
        return DataLoader(_data(64, 0), batch_size=10, shuffle=True)

    def val_dataloader(self):
        return DataLoader(_data(30, 1), batch_size=8)


class UnattachedMetricModel(LightningModule):
    """Logs a torchmetrics object that is no attribute of the module (kept in a list): Lightning
    raises when it is first logged, after two optimizer steps."""

    def __init__(self):
        super().__init__()
        self.net = nn.Linear(6, 3)
        self.train_acc = torchmetrics.Accuracy(task="multiclass", num_classes=3)
        self.extra = [torchmetrics.MeanMetric()]

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = nn.functional.cross_entropy(self.net(x), y)
        self.log("train_acc", self.train_acc(self.net(x), y))
        if batch_idx == 2:
            self.extra[0].update(loss)
            self.log("extra", self.extra[0])
        return loss

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)

    def train_dataloader(self):
        return DataLoader(_data(64, 0), batch_size=10, shuffle=True)
