"""Several Trainers, each with its own callbacks (the UvA tutorials' shape): `train_model` makes a
Trainer per call in its own folder with a ModelCheckpoint keeping the best `val_acc` (weights only)
and an epoch LearningRateMonitor, then tests the best checkpoint it loads; a second Trainer stops
early on `val_loss` and keeps its two best checkpoints; a third has no callbacks (Lightning's
default ModelCheckpoint)."""

import os

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from lightning.pytorch.callbacks import EarlyStopping, LearningRateMonitor, ModelCheckpoint
from torch.utils.data import DataLoader, TensorDataset

CHECKPOINT_PATH = "saved_models"


class Classifier(LightningModule):
    def __init__(self, lr=0.5, hidden=6):
        super().__init__()
        self.save_hyperparameters()
        self.net = torch.nn.Sequential(torch.nn.Linear(4, hidden), torch.nn.Tanh(), torch.nn.Linear(hidden, 2))

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.cross_entropy(self.net(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        logits = self.net(x)
        self.log("val_loss", torch.nn.functional.cross_entropy(logits, y))
        self.log("val_acc", (logits.argmax(dim=-1) == y).float().mean())

    def test_step(self, batch, batch_idx):
        x, y = batch
        self.log("test_acc", (self.net(x).argmax(dim=-1) == y).float().mean())

    def configure_optimizers(self):
        optimizer = torch.optim.SGD(self.parameters(), lr=self.hparams.lr)
        return [optimizer], [torch.optim.lr_scheduler.StepLR(optimizer, 1, 0.7)]


def loaders():
    x = torch.randn(40, 4)
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).long()
    return DataLoader(TensorDataset(x[:28], y[:28]), batch_size=6, shuffle=True), DataLoader(TensorDataset(x[28:], y[28:]), batch_size=5)


def train_model(name, epochs, **kwargs):
    train, val = loaders()
    trainer = Trainer(
        default_root_dir=os.path.join(CHECKPOINT_PATH, name),
        max_epochs=epochs,
        log_every_n_steps=2,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=[ModelCheckpoint(save_weights_only=True, mode="max", monitor="val_acc"), LearningRateMonitor("epoch")],
    )
    trainer.fit(Classifier(**kwargs), train, val)
    model = Classifier.load_from_checkpoint(trainer.checkpoint_callback.best_model_path)
    result = trainer.test(model, dataloaders=val, verbose=False)
    print("result", name, os.path.relpath(trainer.checkpoint_callback.best_model_path), result)
    return model


def train_early(epochs):
    train, val = loaders()
    stop = EarlyStopping(monitor="val_loss", patience=1, min_delta=0.05)
    trainer = Trainer(
        default_root_dir=os.path.join(CHECKPOINT_PATH, "early"),
        max_epochs=epochs,
        log_every_n_steps=2,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=[stop, ModelCheckpoint(monitor="val_loss", save_top_k=2, filename="{epoch}-{val_loss:.3f}")],
    )
    trainer.fit(Classifier(lr=2.0), train, val)
    print("result early", trainer.current_epoch, stop.stopped_epoch, trainer.should_stop, sorted(trainer.checkpoint_callback.best_k_models))


def train_plain(epochs):
    train, val = loaders()
    trainer = Trainer(max_epochs=epochs, log_every_n_steps=2, enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(Classifier(hidden=3), train, val)
    print("result plain", os.path.relpath(trainer.checkpoint_callback.best_model_path))


if __name__ == "__main__":
    seed_everything(3)
    train_model("first", 3, lr=0.5)
    train_model("second", 4, lr=0.1, hidden=8)
    train_early(8)
    train_plain(2)
