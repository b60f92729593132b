"""`self.log(..., on_step=True)` in `test_step` with `trainer.test` given two loaders, under
Lightning's default logger: a metrics.csv row per batch of each loader, which lgen does not
eject yet (LGEN122, located at the `on_step=` argument)."""

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

    def test_step(self, batch, batch_idx, dataloader_idx=0):
        x, y = batch
        self.log("test_loss", torch.nn.functional.mse_loss(self.layer(x), y), on_step=True)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


if __name__ == "__main__":
    data = TensorDataset(torch.randn(32, 4), torch.randn(32, 1))
    model = Net()
    trainer = Trainer(max_epochs=1, enable_checkpointing=False)
    trainer.fit(model, DataLoader(data, batch_size=8))
    trainer.test(model, dataloaders=[DataLoader(data, batch_size=4), DataLoader(data, batch_size=16)])
