"""A run under DDP that lgen does not eject yet: Lightning's default files (its CSVLogger and
ModelCheckpoint on rank 0) and a `test` after fit (distributed evaluation); each is located."""

import torch
from lightning.pytorch import LightningModule, Trainer
from torch.utils.data import DataLoader


class Model(LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        return self.layer(batch).pow(2).mean()

    def test_step(self, batch, batch_idx):
        self.log("test_loss", self.layer(batch).pow(2).mean())

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


def main():
    loader = DataLoader(torch.randn(16, 4), batch_size=4)
    model = Model()
    trainer = Trainer(devices=2, accelerator="cpu", max_epochs=1, enable_progress_bar=False)
    trainer.fit(model, loader)
    trainer.test(model, dataloaders=loader)


if __name__ == "__main__":
    main()
