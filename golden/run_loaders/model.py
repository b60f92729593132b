"""A run: loaders built in `run()` and handed to `fit`, positional and keyword, a seed, a
Trainer with limits and accumulation; the model has no dataloader hooks of its own."""

import os

import torch
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


class BoringModel(LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(32, 2)

    def forward(self, x):
        return self.layer(x)

    def training_step(self, batch, batch_idx):
        loss = self(batch).sum()
        self.log("train_loss", loss)
        return {"loss": loss}

    def validation_step(self, batch, batch_idx):
        loss = self(batch).sum()
        self.log("valid_loss", loss)

    def configure_optimizers(self):
        return torch.optim.Adam(self.layer.parameters(), lr=0.01)


def run():
    seed_everything(3)
    train_data = DataLoader(RandomDataset(32, 64), batch_size=2, shuffle=True)
    val_data = DataLoader(RandomDataset(32, 64), batch_size=2)

    model = BoringModel()
    trainer = Trainer(
        default_root_dir=os.getcwd(),
        limit_train_batches=10,
        limit_val_batches=3,
        accumulate_grad_batches=2,
        max_epochs=2,
        logger=False,
        enable_checkpointing=False,
        enable_model_summary=False,
        enable_progress_bar=False,
    )
    trainer.fit(model, train_data, val_dataloaders=val_data)
    for key, value in sorted(trainer.callback_metrics.items()):
        print("result", key, value.item())
    trainer.save_checkpoint(os.path.join("out", "final.ckpt"))


if __name__ == "__main__":
    run()
