"""torchmetrics objects logged under DDP (`strategy="ddp", devices=2`, CPU): a metric's step value
is its rank's forward cache, its epoch value `compute()`, which torchmetrics itself syncs over
the ranks (Lightning adds no sync for metrics); a MeanMetric via update, a MaxMetric of a
synced value. Each rank prints its `callback_metrics`."""

import os

import torch
import torchmetrics
from lightning.pytorch import LightningModule, Trainer, seed_everything
from torch.utils.data import DataLoader, Dataset


class RandomDataset(Dataset):
    def __init__(self, size, length):
        self.len = length
        self.data = torch.randn(length, size)

    def __getitem__(self, index):
        return self.data[index]

    def __len__(self):
        return self.len


class DropoutModel(LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Sequential(torch.nn.Linear(32, 16), torch.nn.Dropout(0.3), torch.nn.Linear(16, 2))
        self.train_mean = torchmetrics.MeanMetric()
        self.train_out = torchmetrics.MeanMetric()
        self.val_mean = torchmetrics.MeanMetric()
        self.val_best = torchmetrics.MaxMetric()

    def forward(self, x):
        return self.layer(x)

    def training_step(self, batch, batch_idx):
        loss = self(batch).pow(2).mean()
        self.log("train_loss", loss)
        self.train_mean(loss)  # forward: this rank's value on the step, synced on the epoch
        self.log("train_mean", self.train_mean, on_step=True, on_epoch=True)
        self.train_out.update(self(batch)[:, 0])
        self.log("train_out", self.train_out)
        return loss

    def validation_step(self, batch, batch_idx):
        loss = self(batch).pow(2).mean()
        self.log("valid_loss", loss)
        self.log("valid_synced", loss, sync_dist=True)
        self.val_mean.update(loss)
        self.log("val_mean", self.val_mean)

    def on_validation_epoch_end(self):
        self.val_best(self.val_mean.compute())
        # batch_size=1: Lightning's own in an epoch hook (no batch); the script's `self.log` still
        # weights a value logged there with the last batch's size (off by an ulp), not this feature's
        self.log("val_best", self.val_best.compute(), batch_size=1)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


def main():
    seed_everything(7)
    train_data = DataLoader(RandomDataset(32, 40), batch_size=4, shuffle=True)
    val_data = DataLoader(RandomDataset(32, 13), batch_size=3)
    model = DropoutModel()
    trainer = Trainer(
        strategy="ddp",
        devices=2,
        accelerator="cpu",
        max_epochs=2,
        limit_val_batches=2,
        logger=False,
        enable_checkpointing=False,
        enable_model_summary=False,
        enable_progress_bar=False,
    )
    # the ranks are known when the Trainer is made, before fit starts the other process
    print("result", trainer.global_rank, "of", trainer.world_size, trainer.local_rank, trainer.is_global_zero)
    trainer.fit(model, train_data, val_data)
    rank = trainer.global_rank
    for key, value in sorted(trainer.callback_metrics.items()):
        print("result", rank, key, value.item())
    print("result", rank, "epoch", trainer.current_epoch, "step", trainer.global_step)
    trainer.save_checkpoint(os.path.join("out", "final.ckpt"))


if __name__ == "__main__":
    main()
