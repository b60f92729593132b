"""The model's own `configure_callbacks()`: Lightning attaches what it returns at fit's start; a
callback of the same class given to the Trainer is replaced (its hooks never run), the others
stay first, the model's join after them, the default ModelCheckpoint still last. A callback
scales the learning rate per batch, so the numbers show which one ran."""

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from lightning.pytorch.callbacks import Callback
from torch.utils.data import DataLoader, TensorDataset


class Scale(Callback):
    def __init__(self, tag, factor):
        self.tag = tag
        self.factor = factor

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        for group in trainer.optimizers[0].param_groups:
            group["lr"] *= self.factor

    def on_train_epoch_end(self, trainer, pl_module):
        print("result hook", self.tag, trainer.current_epoch, trainer.optimizers[0].param_groups[0]["lr"])


class Count(Callback):
    def __init__(self):
        self.batches = 0

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        self.batches += 1

    def on_train_epoch_end(self, trainer, pl_module):
        print("result hook count", self.batches, trainer.global_step)

    def state_dict(self):
        return {"batches": self.batches}


class Net(LightningModule):
    def __init__(self, factor):
        super().__init__()
        self.factor = factor
        self.layer = torch.nn.Linear(3, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.layer(x), y)
        self.log("train_loss", loss, on_epoch=True)
        return loss

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.2)

    def configure_callbacks(self):
        return [Scale("model", self.factor), Count()]


def main():
    seed_everything(11)
    x = torch.randn(24, 3)
    y = x[:, :1] - 2 * x[:, 1:2]
    trainer = Trainer(
        max_epochs=3,
        log_every_n_steps=2,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=[Scale("trainer", 2.0)],
    )
    trainer.fit(Net(0.9), DataLoader(TensorDataset(x, y), batch_size=5, shuffle=True))
    print("result loss", trainer.callback_metrics["train_loss_epoch"].item())


if __name__ == "__main__":
    main()
