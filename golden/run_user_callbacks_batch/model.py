"""User callbacks in the batch and validation hooks: what on_train_batch_end receives (the
step's detached loss), the sanity check's validation seen by the callbacks (and
`trainer.sanity_checking`), callback_metrics in on_validation_epoch_end, and on_validation_end
in the list's order around an EarlyStopping that checks there (the one before it sees
`should_stop` unset, the one after sees it set); the module's own hooks after the callbacks'."""

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from lightning.pytorch.callbacks import Callback, EarlyStopping
from torch.utils.data import DataLoader, TensorDataset


class Net(LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(3, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.layer(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        bump = torch.tensor([0.5, 0.1, 0.3, 0.4, 0.9, 0.2])[self.current_epoch]
        self.log("val_loss", torch.nn.functional.mse_loss(self.layer(x), y) + bump)

    def on_train_batch_end(self, outputs, batch, batch_idx):
        print("result hook module on_train_batch_end", batch_idx)

    def on_validation_epoch_end(self):
        print("result hook module on_validation_epoch_end", self.current_epoch)

    def on_validation_end(self):
        print("result hook module on_validation_end")

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.05)


class Batches(Callback):
    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        print("result hook Batches on_train_batch_start", trainer.current_epoch, batch_idx, batch[0].shape[0])

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        print("result hook Batches on_train_batch_end", batch_idx, sorted(outputs), outputs["loss"].item())

    def on_validation_end(self, trainer, pl_module):
        print("result hook Batches on_validation_end", trainer.sanity_checking, trainer.should_stop)


class Watch(Callback):
    def __init__(self, tag):
        self.tag = tag

    def on_validation_start(self, trainer, pl_module):
        print("result hook", self.tag, "on_validation_start", trainer.sanity_checking, trainer.global_step)

    def on_validation_epoch_start(self, trainer, pl_module):
        print("result hook", self.tag, "on_validation_epoch_start", trainer.current_epoch)

    def on_validation_epoch_end(self, trainer, pl_module):
        metrics = {k: round(v.item(), 6) for k, v in trainer.callback_metrics.items()}
        print("result hook", self.tag, "on_validation_epoch_end", trainer.sanity_checking, sorted(metrics.items()))

    def on_validation_end(self, trainer, pl_module):
        print("result hook", self.tag, "on_validation_end", trainer.sanity_checking, trainer.should_stop)


def main():
    seed_everything(5)
    x = torch.randn(20, 3)
    y = x.sum(dim=1, keepdim=True)
    train = DataLoader(TensorDataset(x[:14], y[:14]), batch_size=5, shuffle=True)
    val = DataLoader(TensorDataset(x[14:], y[14:]), batch_size=4)
    trainer = Trainer(
        max_epochs=6,
        logger=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=[
            Batches(),
            EarlyStopping(monitor="val_loss", patience=1, check_on_train_epoch_end=False),
            Watch("after"),
        ],
    )
    trainer.fit(Net(), train, val)
    print("result step", trainer.global_step, trainer.current_epoch)


if __name__ == "__main__":
    main()
