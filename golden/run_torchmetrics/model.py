"""torchmetrics objects given to `self.log` / `self.log_dict`, as Lightning keeps them: a
metric's step value is its forward cache (an `update()`-only metric has none: no `_step` value),
its epoch value its `compute()` at the epoch's or the run's end, and Lightning resets it after
each training epoch and each validation / test run (the sanity check's too). A `MaxMetric` of a
computed value logged as a tensor, and `MetricCollection`s through `log_dict` (with compute
groups: Accuracy and F1Score share their states)."""

import torch
import torchmetrics
from lightning.pytorch import LightningModule, Trainer, seed_everything
from torch.utils.data import DataLoader, TensorDataset
from torchmetrics import MaxMetric, MeanMetric, MetricCollection
from torchmetrics.classification import MulticlassAccuracy, MulticlassF1Score


class Classifier(LightningModule):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(6, 12), torch.nn.Tanh(), torch.nn.Linear(12, 3))
        self.train_acc = torchmetrics.Accuracy(task="multiclass", num_classes=3)
        self.train_loss = MeanMetric()
        self.val_acc = torchmetrics.Accuracy(task="multiclass", num_classes=3)
        self.val_acc_best = MaxMetric()
        self.test_acc = torchmetrics.Accuracy(task="multiclass", num_classes=3)
        scores = MetricCollection(
            {"accuracy": MulticlassAccuracy(num_classes=3), "f1": MulticlassF1Score(num_classes=3, average="macro")}
        )
        self.train_scores = scores.clone(prefix="train/")
        self.val_scores = scores.clone(prefix="val/")
        self.test_scores = scores.clone(prefix="test/")

    def on_train_start(self):
        # the sanity check's updates: val_acc_best is never logged as an object, Lightning leaves it
        self.val_acc_best.reset()

    def training_step(self, batch, batch_idx):
        x, y = batch
        logits = self.net(x)
        loss = torch.nn.functional.cross_entropy(logits, y)
        self.train_acc(logits, y)  # forward: a step value
        self.train_loss.update(loss)  # update only: no step value
        self.log("train/acc", self.train_acc, on_step=True, on_epoch=True, prog_bar=True)
        self.log("train/loss", self.train_loss, on_step=True, on_epoch=True)
        self.train_scores(logits, y)
        self.log_dict(self.train_scores, on_step=True, on_epoch=True)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        logits = self.net(x)
        self.val_acc(logits, y)
        self.log("val/acc", self.val_acc, on_step=True, on_epoch=True)
        self.val_scores.update(logits, y)
        self.log_dict(self.val_scores)

    def on_validation_epoch_end(self):
        acc = self.val_acc.compute()
        self.val_acc_best(acc)
        self.log("val/acc_best", self.val_acc_best.compute(), prog_bar=True)

    def test_step(self, batch, batch_idx):
        x, y = batch
        logits = self.net(x)
        self.test_acc(logits, y)
        self.log("test/acc", self.test_acc, metric_attribute="test_acc")
        self.test_scores(logits, y)
        self.log_dict(self.test_scores, on_step=True, on_epoch=True)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.5)


if __name__ == "__main__":
    seed_everything(5)
    x = torch.randn(100, 6)
    y = (x[:, 0] > 0).long() + (x[:, 1] > 0.5).long()
    train = DataLoader(TensorDataset(x[:60], y[:60]), batch_size=10, shuffle=True)
    val = DataLoader(TensorDataset(x[60:], y[60:]), batch_size=15)
    trainer = Trainer(max_epochs=3, log_every_n_steps=2, enable_progress_bar=False, enable_model_summary=False)
    model = Classifier()
    trainer.fit(model, train, val)
    print("result", sorted((k, v.item()) for k, v in trainer.callback_metrics.items()))
    print("result validate", trainer.validate(model, val, verbose=False))
    print("result test", trainer.test(model, val, verbose=False))
    print("result after", sorted((k, v.item()) for k, v in trainer.callback_metrics.items()))
    # another module: Lightning looks its metric attributes up afresh
    print("result other", trainer.test(Classifier(), val, verbose=False))
