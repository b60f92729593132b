"""A callback of the package, imported by the model's module (not by the entry)."""

from lightning.pytorch import Callback  # another spelling of the class the model's module imports


class Warmup(Callback):
    """Raises the learning rate linearly over the first `steps` batches."""

    def __init__(self, steps, peak):
        self.steps = steps
        self.peak = peak

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        if trainer.global_step < self.steps:
            for group in trainer.optimizers[0].param_groups:
                group["lr"] = self.peak * (trainer.global_step + 1) / self.steps
