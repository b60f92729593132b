"""A user callback in every other hook lgen ejects: setup / teardown with their stage, the sanity
check's start and end, the backward and optimizer hooks (with gradient accumulation: zero_grad
on a window's first batch; clipping after on_before_optimizer_step, so the gradient norms it
prints are the unclipped ones), on_save_checkpoint adding a key to every checkpoint and
on_load_checkpoint reading it back on resume (`--ckpt`). The module's own hooks print too: the
order is compared line for line."""

import argparse

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from lightning.pytorch.callbacks import Callback, ModelCheckpoint
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
        self.log("val_loss", torch.nn.functional.mse_loss(self.layer(x), y))

    def setup(self, stage):
        print("result hook module setup", stage)

    def on_before_backward(self, loss):
        print("result hook module on_before_backward")

    def on_before_optimizer_step(self, optimizer):
        print("result hook module on_before_optimizer_step")

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.3)


def norm(parameters):
    return round(sum(p.grad.norm().item() ** 2 for p in parameters if p.grad is not None) ** 0.5, 6)


class Spy(Callback):
    def __init__(self):
        self.saves = 0

    def setup(self, trainer, pl_module, stage):
        print("result hook Spy setup", stage, trainer.current_epoch)

    def teardown(self, trainer, pl_module, stage):
        print("result hook Spy teardown", stage, trainer.global_step)

    def on_sanity_check_start(self, trainer, pl_module):
        print("result hook Spy on_sanity_check_start", trainer.sanity_checking)

    def on_sanity_check_end(self, trainer, pl_module):
        print("result hook Spy on_sanity_check_end", sorted(trainer.callback_metrics))

    def on_before_zero_grad(self, trainer, pl_module, optimizer):
        print("result hook Spy on_before_zero_grad", trainer.global_step, norm(pl_module.parameters()))

    def on_before_backward(self, trainer, pl_module, loss):
        print("result hook Spy on_before_backward", round(loss.item(), 6))

    def on_after_backward(self, trainer, pl_module):
        print("result hook Spy on_after_backward", norm(pl_module.parameters()))

    def on_before_optimizer_step(self, trainer, pl_module, optimizer):
        print("result hook Spy on_before_optimizer_step", trainer.global_step, norm(pl_module.parameters()), optimizer.param_groups[0]["lr"])

    def on_save_checkpoint(self, trainer, pl_module, checkpoint):
        self.saves += 1
        checkpoint["spy_saves"] = self.saves
        print("result hook Spy on_save_checkpoint", self.saves, checkpoint["epoch"], sorted(checkpoint["callbacks"]))

    def on_load_checkpoint(self, trainer, pl_module, checkpoint):
        self.saves = checkpoint["spy_saves"] * 10
        print("result hook Spy on_load_checkpoint", self.saves)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ckpt", default=None)
    args = parser.parse_args()
    seed_everything(2)
    x = torch.randn(22, 3)
    y = x[:, :1] * 3
    train = DataLoader(TensorDataset(x[:14], y[:14]), batch_size=3, shuffle=True)
    val = DataLoader(TensorDataset(x[14:], y[14:]), batch_size=4)
    trainer = Trainer(
        max_epochs=4,
        accumulate_grad_batches=2,
        gradient_clip_val=0.5,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=[Spy(), ModelCheckpoint(dirpath="ckpts", save_last=True)],
    )
    trainer.fit(Net(), train, val, ckpt_path=args.ckpt)
    print("result step", trainer.global_step, trainer.current_epoch)


if __name__ == "__main__":
    main()
