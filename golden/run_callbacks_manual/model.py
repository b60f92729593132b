"""Lightning's callbacks under manual optimization: a ModelCheckpoint keeping the 2 best epochs by
a validation score (its filename's `step` the global step: both optimizers' steps, the
generator's every third batch), save_last; EarlyStopping with patience; a LearningRateMonitor
(per step, momentum too) whose rows take the logger's step, the batches; a ModelCheckpoint every
5 global steps (Lightning's manual-optimization branch of on_train_batch_end). `--ckpt PATH` resumes
(tests/test_runs.py first makes one with a shorter fit)."""

import argparse
import os

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from lightning.pytorch.callbacks import EarlyStopping, LearningRateMonitor, ModelCheckpoint
from torch.utils.data import DataLoader, TensorDataset


class TinyGAN(LightningModule):
    def __init__(self):
        super().__init__()
        self.generator = torch.nn.Linear(2, 4)
        self.discriminator = torch.nn.Linear(4, 1)
        self.automatic_optimization = False

    def training_step(self, batch, batch_idx):
        g_opt, d_opt = self.optimizers()
        g_sched, d_sched = self.lr_schedulers()
        (real,) = batch
        fake = self.generator(torch.randn(real.shape[0], 2))
        d_loss = torch.nn.functional.softplus(-self.discriminator(real)).mean()
        d_loss = d_loss + torch.nn.functional.softplus(self.discriminator(fake.detach())).mean()
        d_opt.zero_grad()
        self.manual_backward(d_loss)
        d_opt.step()
        d_sched.step()
        self.log("d_loss", d_loss, on_step=True, on_epoch=True)
        if batch_idx % 3 == 0:
            g_loss = torch.nn.functional.softplus(-self.discriminator(fake)).mean()
            g_opt.zero_grad()
            self.manual_backward(g_loss)
            g_opt.step()
            g_sched.step()

    def validation_step(self, batch, batch_idx):
        (real,) = batch
        # a score that moves up and down from epoch to epoch: top-k and patience choices show
        bump = torch.tensor([1.0, 0.5, 0.8, 0.3, 0.9, 1.2, 1.3, 1.4, 1.5])[self.current_epoch]
        self.log("val_score", 0.01 * self.discriminator(real).mean() + bump)

    def configure_optimizers(self):
        g_opt = torch.optim.Adam(self.generator.parameters(), lr=0.01)
        d_opt = torch.optim.SGD(self.discriminator.parameters(), lr=0.05, momentum=0.9)
        g_sched = torch.optim.lr_scheduler.StepLR(g_opt, 2, 0.5)
        d_sched = torch.optim.lr_scheduler.ExponentialLR(d_opt, 0.9)
        return [g_opt, d_opt], [g_sched, d_sched]


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--ckpt", default=None)
    args = parser.parse_args()
    seed_everything(3)
    data = torch.randn(22, 4) * 0.5 + 1.0
    train = DataLoader(TensorDataset(data), batch_size=4, shuffle=True)
    val = DataLoader(TensorDataset(data[:10]), batch_size=4)
    best = ModelCheckpoint(dirpath="ckpts", monitor="val_score", save_top_k=2, save_last=True)
    steps = ModelCheckpoint(dirpath="steps", every_n_train_steps=5, save_top_k=-1)
    trainer = Trainer(
        max_epochs=8,
        log_every_n_steps=3,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=[best, steps, EarlyStopping(monitor="val_score", patience=2), LearningRateMonitor(log_momentum=True)],
    )
    trainer.fit(TinyGAN(), train, val, ckpt_path=args.ckpt)
    print("result best", os.path.relpath(best.best_model_path), best.best_model_score.item())
    print("result k", sorted(os.path.relpath(p) for p in best.best_k_models))
    print("result stopped", trainer.current_epoch, trainer.global_step)
    print("result", sorted((k, v.item()) for k, v in trainer.callback_metrics.items()))
