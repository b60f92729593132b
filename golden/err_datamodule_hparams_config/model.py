"""A datamodule saving a config object (`self.save_hyperparameters(config)`): not ejected yet for a
datamodule, a located error (its named hyperparameters, `self.save_hyperparameters()`, are)."""

import lightning as L
import torch
from torch.utils.data import DataLoader, TensorDataset


class Regressor(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return torch.nn.functional.mse_loss(self.layer(x), y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


class Data(L.LightningDataModule):
    def __init__(self, config):
        super().__init__()
        self.save_hyperparameters(config)

    def train_dataloader(self):
        x = torch.randn(16, 4)
        return DataLoader(TensorDataset(x, x.sum(1, keepdim=True)), batch_size=self.hparams["batch_size"])


if __name__ == "__main__":
    trainer = L.Trainer(max_epochs=1, logger=False, enable_checkpointing=False)
    trainer.fit(Regressor(), datamodule=Data({"batch_size": 4}))
