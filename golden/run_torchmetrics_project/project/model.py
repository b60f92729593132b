"""This file never names the metrics library: the metrics come from a factory in a project file
(mymetrics.py) that imports it. lgen reads that file, so the script checks logged values for
Metric objects as Lightning does (without it, the script's `self.log` would reject them)."""

import lightning.pytorch as pl
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from mymetrics import make_accuracy


class LitRegressor(pl.LightningModule):
    def __init__(self, lr: float = 0.05):
        super().__init__()
        self.save_hyperparameters()
        self.model = nn.Sequential(nn.Linear(8, 16), nn.GELU(), nn.Linear(16, 3))
        self.train_acc = make_accuracy()
        self.val_acc = make_accuracy()

    def training_step(self, batch, batch_idx):
        x, y = batch
        logits = self.model(x)
        loss = nn.functional.cross_entropy(logits, y)
        self.train_acc(logits, y)
        self.log("train/loss", loss)
        self.log("train/acc", self.train_acc, on_step=True, on_epoch=True)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        logits = self.model(x)
        self.val_acc.update(logits, y)
        self.log("val/acc", self.val_acc, on_epoch=True, prog_bar=True)

    def on_train_epoch_end(self):
        self.print(f"epoch {self.current_epoch} done")

    def configure_optimizers(self):
        opt = torch.optim.SGD(self.parameters(), lr=self.hparams.lr, momentum=0.9)
        return [opt], [torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)]


def make_loaders():
    x = torch.randn(400, 8)
    y = torch.randint(0, 3, (400,))
    train = DataLoader(TensorDataset(x[:300], y[:300]), batch_size=25, shuffle=True, num_workers=0)
    val = DataLoader(TensorDataset(x[300:], y[300:]), batch_size=50)
    return train, val


if __name__ == "__main__":
    pl.seed_everything(1)
    train_loader, val_loader = make_loaders()
    model = LitRegressor()
    trainer = pl.Trainer(max_epochs=4, gradient_clip_val=0.5, accumulate_grad_batches=2, enable_progress_bar=False)
    trainer.fit(model, train_loader, val_loader)
    out = trainer.validate(model, dataloaders=val_loader)
    print("result validate", out)
    print("result metrics", {k: round(float(v), 6) for k, v in trainer.callback_metrics.items()})
