"""A run with a stateful datamodule: its batch-transfer hooks change every batch (the
datamodule's win over the model's), and its state (a batch counter the batches depend on) goes
into the checkpoints under its class's name and comes back on resume (`--ckpt`, see
tests/test_runs.py) and for `test(ckpt_path="best")`."""

import argparse

import torch
from lightning.pytorch import LightningDataModule, LightningModule, Trainer, seed_everything
from torch.utils.data import DataLoader, TensorDataset


class Regressor(LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(4, 1)

    def on_before_batch_transfer(self, batch, dataloader_idx):
        # the datamodule overrides this hook too: Lightning calls the datamodule's, not this one
        x, y = batch
        return x, y * 100

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.layer(x), y)
        self.log("loss", loss, on_step=True, on_epoch=True)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", torch.nn.functional.mse_loss(self.layer(x), y))

    def test_step(self, batch, batch_idx):
        x, y = batch
        self.log("test_loss", torch.nn.functional.mse_loss(self.layer(x), y))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.05, momentum=0.9)


class CountingData(LightningDataModule):
    def __init__(self):
        super().__init__()
        self.batches = 0
        g = torch.Generator().manual_seed(3)
        self.x = torch.randn(40, 4, generator=g)
        self.y = self.x.sum(dim=1, keepdim=True)

    def train_dataloader(self):
        return DataLoader(TensorDataset(self.x[:28], self.y[:28]), batch_size=4, shuffle=True)

    def val_dataloader(self):
        return DataLoader(TensorDataset(self.x[28:36], self.y[28:36]), batch_size=4)

    def test_dataloader(self):
        return DataLoader(TensorDataset(self.x[36:], self.y[36:]), batch_size=2)

    def on_before_batch_transfer(self, batch, dataloader_idx):
        x, y = batch
        self.batches += 1
        return x + 0.01 * self.batches, y

    def transfer_batch_to_device(self, batch, device, dataloader_idx):
        x, y = batch
        return x.to(device), (y + 0.5 + dataloader_idx).to(device)

    def on_after_batch_transfer(self, batch, dataloader_idx):
        x, y = batch
        return x * 0.5, y

    def state_dict(self):
        return {"batches": self.batches}

    def load_state_dict(self, state_dict):
        self.batches = state_dict["batches"]


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--ckpt", default=None)
    args = parser.parse_args()
    seed_everything(7)
    dm = CountingData()
    trainer = Trainer(max_epochs=3, log_every_n_steps=3, enable_progress_bar=False, enable_model_summary=False)
    model = Regressor()
    trainer.fit(model, datamodule=dm, ckpt_path=args.ckpt)
    print("result fit", sorted((k, v.item()) for k, v in trainer.callback_metrics.items()), dm.batches)
    print("result test", trainer.test(datamodule=dm, ckpt_path="best", verbose=False), dm.batches)
