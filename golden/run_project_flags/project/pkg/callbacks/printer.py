"""A Callback of the package: importing `pkg.utils` imports Lightning through it."""

import lightning.pytorch as pl


class EpochPrinter(pl.Callback):
    def on_train_epoch_end(self, trainer, pl_module):
        print("epoch", trainer.current_epoch)
