"""A run whose callback class lives in the project's package (`pkg/callbacks.py`): lgen splices
it into the script without its `Callback` base, and calls it where Lightning does."""

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from torch.utils.data import DataLoader, TensorDataset

from pkg.callbacks import Warmup


class Net(LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(2, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.layer(x), y)
        self.log("train_loss", loss, on_step=False, on_epoch=True)
        return loss

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.0)


if __name__ == "__main__":
    seed_everything(4)
    x = torch.randn(20, 2)
    train = DataLoader(TensorDataset(x, x[:, :1] - x[:, 1:]), batch_size=4, shuffle=True)
    trainer = Trainer(
        max_epochs=3,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=[Warmup(steps=7, peak=0.2)],
    )
    trainer.fit(Net(), train)
