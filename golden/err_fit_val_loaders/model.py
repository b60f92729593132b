"""A run whose fit is given several training loaders: not ejected yet (LGEN126; several
validation loaders are)."""

import torch
from lightning.pytorch import LightningModule, Trainer
from torch.utils.data import DataLoader, TensorDataset


class Net(LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return torch.nn.functional.mse_loss(self.layer(x), y)

    def validation_step(self, batch, batch_idx, dataloader_idx=0):
        x, y = batch
        self.log("val_loss", torch.nn.functional.mse_loss(self.layer(x), y))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.05)


if __name__ == "__main__":
    data = TensorDataset(torch.randn(32, 4), torch.randn(32, 1))
    trainer = Trainer(max_epochs=1, logger=False, enable_checkpointing=False)
    trainer.fit(Net(), [DataLoader(data, batch_size=4), DataLoader(data, batch_size=16)], val_dataloaders=DataLoader(data, batch_size=8))
