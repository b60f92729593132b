"""The user's own `Callback` subclasses next to Lightning's: one built inline with a computed
argument that changes the learning rate in on_train_epoch_start, one assigned before the Trainer
that records the validation loss in on_train_epoch_end, keeps it in the checkpoint (state_dict /
load_state_dict) and sets `trainer.should_stop` once it has seen enough epochs, a ModelCheckpoint
given before them (Lightning moves it last). Every hook prints a `result` line: the order of the
callbacks' and the module's hooks is compared line for line; on resume (`--ckpt`) the recorded
losses come back and the run stops where Lightning's does."""

import argparse

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from lightning.pytorch.callbacks import Callback, ModelCheckpoint
from torch.utils.data import DataLoader, TensorDataset


class Net(LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.layer(x), y)
        self.log("train_loss", loss, on_step=False, on_epoch=True)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", torch.nn.functional.mse_loss(self.layer(x), y))

    def on_fit_start(self):
        print("result hook module on_fit_start")

    def on_train_start(self):
        print("result hook module on_train_start")

    def on_train_epoch_start(self):
        print("result hook module on_train_epoch_start", self.current_epoch)

    def on_train_epoch_end(self):
        print("result hook module on_train_epoch_end", self.current_epoch)

    def on_train_end(self):
        print("result hook module on_train_end")

    def on_fit_end(self):
        print("result hook module on_fit_end")

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1, momentum=0.5)


class Decay(Callback):
    """Scales the learning rate at the start of every epoch but the first."""

    def __init__(self, factor):
        super().__init__()
        self.factor = factor

    def on_train_epoch_start(self, trainer, pl_module):
        print("result hook Decay on_train_epoch_start", trainer.current_epoch, trainer.global_step)
        if trainer.current_epoch > 0:
            for group in trainer.optimizers[0].param_groups:
                group["lr"] *= self.factor

    def on_train_epoch_end(self, trainer, pl_module):
        lr = trainer.optimizers[0].param_groups[0]["lr"]
        print("result hook Decay on_train_epoch_end", trainer.current_epoch, lr)


class History(Callback):
    """Records the validation loss of every epoch, and stops the run after `epochs` of them."""

    def __init__(self, epochs):
        self.epochs = epochs
        self.losses = []

    def on_fit_start(self, trainer, pl_module):
        print("result hook History on_fit_start", len(self.losses), trainer.max_epochs)

    def on_train_start(self, trainer, pl_module):
        print("result hook History on_train_start", trainer.current_epoch, trainer.global_step)

    def on_train_epoch_end(self, trainer, pl_module):
        metrics = trainer.callback_metrics
        self.losses.append(metrics["val_loss"].item())
        print("result hook History on_train_epoch_end", trainer.current_epoch, sorted(metrics), self.losses[-1])
        if len(self.losses) >= self.epochs:
            trainer.should_stop = True

    def on_train_end(self, trainer, pl_module):
        print("result hook History on_train_end", trainer.current_epoch, trainer.global_step)

    def on_fit_end(self, trainer, pl_module):
        print("result hook History on_fit_end", len(self.losses))

    def state_dict(self):
        return {"losses": list(self.losses)}

    def load_state_dict(self, state_dict):
        self.losses = list(state_dict["losses"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ckpt", default=None)
    args = parser.parse_args()
    seed_everything(3)
    x = torch.randn(30, 4)
    y = x[:, :1] * 2 - x[:, 2:3]
    train = DataLoader(TensorDataset(x[:22], y[:22]), batch_size=4, shuffle=True)
    val = DataLoader(TensorDataset(x[22:], y[22:]), batch_size=4)
    history = History(epochs=len("five!"))
    trainer = Trainer(
        max_epochs=8,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=[ModelCheckpoint(dirpath="ckpts", save_last=True), history, Decay(0.25 * 2)],
    )
    trainer.fit(Net(), train, val, ckpt_path=args.ckpt)
    print("result losses", history.losses)
    print("result step", trainer.global_step, trainer.current_epoch, trainer.should_stop)
    for key, value in sorted(trainer.callback_metrics.items()):
        print("result", key, value.item())


if __name__ == "__main__":
    main()
