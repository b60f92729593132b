"""A module-level Trainer fitted again from a function that reads it as a global: refused,
located (the script would call a Lightning method on its loop)."""

import torch
from lightning.pytorch import LightningModule, Trainer
from torch.utils.data import DataLoader, TensorDataset


class Regressor(LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return torch.nn.functional.mse_loss(self.layer(x), y) * (1 + self.trainer.current_epoch)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


def more(model):
    trainer.fit(model, data)


data = DataLoader(TensorDataset(torch.randn(8, 4), torch.randn(8, 1)), batch_size=4)
trainer = Trainer(max_epochs=1, logger=False, enable_checkpointing=False)
trainer.fit(Regressor(), data)
more(Regressor())
