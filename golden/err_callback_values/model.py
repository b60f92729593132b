"""Callback arguments Lightning rejects or lgen does not eject yet: each is a located error, and nothing is written."""

import torch
from lightning.pytorch import LightningModule, Trainer
from lightning.pytorch.callbacks import EarlyStopping, LearningRateMonitor, ModelCheckpoint
from torch.utils.data import DataLoader, TensorDataset


class Regressor(LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return torch.nn.functional.mse_loss(self.layer(x), y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


if __name__ == "__main__":
    data = DataLoader(TensorDataset(torch.randn(8, 4), torch.randn(8, 1)), batch_size=4)
    keep = ModelCheckpoint(save_top_k=3, every_n_train_steps=-1)
    trainer = Trainer(
        max_epochs=2,
        logger=False,
        callbacks=[
            keep,
            EarlyStopping(monitor="loss", verbose=True),
            LearningRateMonitor(logging_interval="batch"),
            ModelCheckpoint(mode="mean"),
        ],
    )
    trainer.fit(Regressor(), data)
