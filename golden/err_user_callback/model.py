"""What lgen refuses in a user's own Callback subclass, each at its place: a hook the script does
not call yet, a trainer attribute its loop does not offer, Lightning's members on the module,
`trainer.should_stop` set inside an epoch, `super()` into the removed base, the trainer handed
to other code."""

import torch
from lightning.pytorch import LightningModule, Trainer
from lightning.pytorch.callbacks import Callback
from torch.utils.data import DataLoader, TensorDataset


class Net(LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(2, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return torch.nn.functional.mse_loss(self.layer(x), y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


def report(trainer):
    print(trainer.global_step)


class Odd(Callback):
    def on_exception(self, trainer, pl_module, exception):
        print("failed", exception)

    def on_train_epoch_start(self, trainer, pl_module):
        print(trainer.profiler)
        pl_module.log("epoch", trainer.current_epoch)

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        trainer.should_stop = batch_idx > 2

    def on_train_epoch_end(self, trainer, pl_module):
        super().on_train_epoch_end(trainer, pl_module)
        report(trainer)


if __name__ == "__main__":
    x = torch.randn(8, 2)
    trainer = Trainer(max_epochs=2, logger=False, enable_checkpointing=False, callbacks=[Odd()])
    trainer.fit(Net(), DataLoader(TensorDataset(x, x[:, :1]), batch_size=4))
