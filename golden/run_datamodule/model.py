"""A run: a LightningDataModule in the entry, argparse options of its own, clipping from the Trainer."""

import argparse

import lightning as L
import torch
from torch.utils.data import DataLoader, TensorDataset


class Regressor(L.LightningModule):
    def __init__(self, lr=0.05):
        super().__init__()
        self.lr = lr
        self.net = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.net(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", torch.nn.functional.mse_loss(self.net(x), y))

    def configure_optimizers(self):
        # the datamodule fit was given, read through the trainer
        return torch.optim.SGD(self.parameters(), lr=self.lr * self.trainer.datamodule.batch_size / 6, momentum=0.9)


class Data(L.LightningDataModule):
    def __init__(self, batch_size=6):
        super().__init__()
        self.batch_size = batch_size

    def setup(self, stage):
        g = torch.Generator().manual_seed(0)
        x = torch.randn(96, 4, generator=g)
        y = x.sum(1, keepdim=True) + 0.1 * torch.randn(96, 1, generator=g)
        self.train_set = TensorDataset(x[:64], y[:64])
        self.val_set = TensorDataset(x[64:], y[64:])

    def train_dataloader(self):
        return DataLoader(self.train_set, batch_size=self.batch_size, shuffle=True)

    def val_dataloader(self):
        return DataLoader(self.val_set, batch_size=self.batch_size)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=0.05)
    args = parser.parse_args()
    L.seed_everything(7)
    model = Regressor(lr=args.lr)
    dm = Data()
    trainer = L.Trainer(max_epochs=3, gradient_clip_val=0.5, logger=False, enable_checkpointing=False, enable_progress_bar=False, accelerator="cpu")
    trainer.fit(model, datamodule=dm)
    print("result val_loss", trainer.callback_metrics["val_loss"].item(), trainer.current_epoch, trainer.global_step)
    trainer.save_checkpoint("final.ckpt")


if __name__ == "__main__":
    main()
