"""A run under DDP without `strategy=`: `Trainer(devices=2)` on the CPU is DDP in Lightning. A
LightningDataModule, the entry's own `--lr` option (the second rank gets the command line
again), accumulation (no gradient all-reduce inside a window) with clipping, dropout, and a
seed from `torch.manual_seed` only: no `seed_everything`, so nothing is reseeded at fit and the
DistributedSampler's seed is 0."""

import argparse
import os

import lightning as L
import torch
from torch.utils.data import DataLoader, TensorDataset


class Regressor(L.LightningModule):
    def __init__(self, lr=0.05):
        super().__init__()
        self.lr = lr
        self.net = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.Tanh(), torch.nn.Dropout(0.2), torch.nn.Linear(16, 1))

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.net(x), y)
        self.log("train_loss", loss, sync_dist=True)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", torch.nn.functional.mse_loss(self.net(x), y), sync_dist=True, reduce_fx="max")

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.lr, momentum=0.9)


class Data(L.LightningDataModule):
    def __init__(self, batch_size=5):
        super().__init__()
        self.batch_size = batch_size

    def setup(self, stage):
        g = torch.Generator().manual_seed(0)
        x = torch.randn(90, 4, generator=g)
        y = x.sum(1, keepdim=True) + 0.1 * torch.randn(90, 1, generator=g)
        self.train_set = TensorDataset(x[:66], y[:66])
        self.val_set = TensorDataset(x[66:], y[66:])

    def train_dataloader(self):
        return DataLoader(self.train_set, batch_size=self.batch_size, shuffle=True)

    def val_dataloader(self):
        return DataLoader(self.val_set, batch_size=self.batch_size)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=0.05)
    args = parser.parse_args()
    torch.manual_seed(11)
    model = Regressor(lr=args.lr)
    dm = Data()
    trainer = L.Trainer(
        devices=2,
        accelerator="cpu",
        max_epochs=3,
        accumulate_grad_batches=2,
        gradient_clip_val=0.5,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
    )
    trainer.fit(model, datamodule=dm)
    rank = os.environ["LOCAL_RANK"]
    for key, value in sorted(trainer.callback_metrics.items()):
        print("result", rank, key, value.item())
    print("result", rank, trainer.current_epoch, trainer.global_step, args.lr)
    trainer.save_checkpoint("final.ckpt")


if __name__ == "__main__":
    main()
