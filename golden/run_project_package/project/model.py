"""A project laid out as packages under src/: the model from a re-exporting `__init__.py`, its base
class (optimizer, scheduler reading `self.trainer.max_epochs`, validation and test steps) and a plain
helper in other files, the datamodule with a dataclass config in another package; a callback of the
entry, LearningRateMonitor and a monitored ModelCheckpoint; `trainer.test` without a model (the best
checkpoint, as Lightning picks)."""

import sys

sys.path.insert(0, "src")  # the package is not installed: run from the project's folder

import lightning as L
from lightning.pytorch.callbacks import Callback, LearningRateMonitor, ModelCheckpoint

from proj.data.dm import DataConfig, SynthDM
from proj.models import LitModel


class Printer(Callback):
    def on_train_epoch_end(self, trainer, pl_module):
        print("result epoch", trainer.current_epoch, round(float(trainer.callback_metrics["val_loss"]), 6))


def run():
    L.seed_everything(11)
    dm = SynthDM(DataConfig())
    model = LitModel()
    trainer = L.Trainer(max_epochs=4, callbacks=[Printer(), LearningRateMonitor("epoch"), ModelCheckpoint(monitor="val_loss")], log_every_n_steps=3)
    trainer.fit(model, dm)
    print("result", trainer.test(datamodule=dm))


if __name__ == "__main__":
    run()
