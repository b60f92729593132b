"""Lightning's small utilities in a run: `rank_zero_only` (decorator and `.rank`),
`rank_zero_info` / `rank_zero_debug` / `rank_zero_warn` (aliased), `MisconfigurationException`
raised and caught, `grad_norm` logged, `seed_everything` called from a hook (it draws the
dropout mask), each spelled as user code spells them; `self.print`,
`self.trainer.sanity_checking` and `self.trainer.num_devices`; `_TORCHVISION_AVAILABLE` as an
`if` test and `cli_lightning_logo()` in the entry."""

import warnings

import lightning.pytorch as pl
import torch
from lightning.fabric.utilities.rank_zero import rank_zero_debug
from lightning.pytorch import LightningModule, Trainer
from lightning.pytorch.utilities import grad_norm, rank_zero_info, rank_zero_only
from lightning.pytorch.utilities.exceptions import MisconfigurationException
from lightning.pytorch.utilities.imports import _TORCHVISION_AVAILABLE
from lightning.pytorch.utilities.rank_zero import rank_zero_warn as warn_once
from torch.utils.data import DataLoader, TensorDataset

if _TORCHVISION_AVAILABLE:
    TRANSFORM = "torchvision"
else:
    TRANSFORM = "none"


class Regressor(LightningModule):
    def __init__(self, lr=0.1):
        super().__init__()
        if lr <= 0:
            raise MisconfigurationException(f"lr must be positive, got {lr}")
        self.lr = lr
        self.layer = torch.nn.Linear(4, 1)
        self.drop = torch.nn.Dropout(0.3)
        self.calls = 0
        self.val_runs = 0

    @rank_zero_only
    def bump(self):
        self.calls += 1
        return self.calls

    def on_train_batch_start(self, batch, batch_idx):
        if batch_idx == 1:
            pl.seed_everything(100 + self.current_epoch)

    def training_step(self, batch, batch_idx):
        x, y = batch
        k = self.bump()
        scale = (1 + 0.05 * k) * (1 + rank_zero_only.rank) * self.trainer.num_devices
        loss = torch.nn.functional.mse_loss(self.layer(self.drop(x)), y) * scale
        self.log("train_loss", loss)
        return loss

    def on_before_optimizer_step(self, optimizer):
        norms = grad_norm(self.layer, norm_type=2)
        self.log("grad_norm", norms["grad_2.0_norm_total"])
        self.log("grad_inf", grad_norm(self, "inf", group_separator=".")["grad_inf_norm.layer.weight"])

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", torch.nn.functional.mse_loss(self.layer(x), y))

    def on_validation_epoch_end(self):
        if self.trainer.sanity_checking:
            self.print("result print sanity check at step", self.global_step)
            return
        self.val_runs += 1
        self.log("val_runs", float(self.val_runs))
        self.print("result print validation", self.val_runs, end="!\n")

    def on_train_epoch_end(self):
        rank_zero_info(f"result info epoch {self.current_epoch} calls {self.calls}")
        rank_zero_debug("result debug: not shown at Lightning's INFO level")
        warn_once(f"lgen-test warning at epoch {self.current_epoch}")

    def configure_optimizers(self):
        try:
            if self.lr > 1:
                raise MisconfigurationException("lr too large")
        except MisconfigurationException:
            self.lr = 0.05
        return torch.optim.SGD(self.parameters(), lr=self.lr)


def main():
    pl.cli_lightning_logo()
    print("result transform", TRANSFORM)
    pl.seed_everything(3)
    try:
        Regressor(lr=-1.0)
    except MisconfigurationException as e:
        print("result caught", e)
    x = torch.randn(22, 4)
    y = x.sum(dim=1, keepdim=True)
    train = DataLoader(TensorDataset(x, y), batch_size=4, shuffle=True)
    trainer = Trainer(max_epochs=3, log_every_n_steps=1, enable_progress_bar=False, enable_model_summary=False)
    caught = []
    warnings.simplefilter("always")
    warnings.showwarning = lambda message, *args, **kwargs: caught.append(str(message))
    trainer.fit(Regressor(lr=5.0), train, DataLoader(TensorDataset(x[:9], y[:9]), batch_size=4))
    print("result warnings", [m for m in caught if "lgen-test" in m])
    for key, value in sorted(trainer.callback_metrics.items()):
        print("result", key, value.item())


if __name__ == "__main__":
    main()
