"""A run whose `trainer.test(model)` after fit takes the model's `test_dataloader`, which returns
a list of loaders: not ejected yet (LGEN126), rather than run as one loader."""

import torch
from lightning.pytorch import LightningModule, Trainer
from torch.utils.data import DataLoader, TensorDataset


class Net(LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(4, 1)
        self.data = TensorDataset(torch.randn(32, 4), torch.randn(32, 1))

    def training_step(self, batch, batch_idx):
        x, y = batch
        return torch.nn.functional.mse_loss(self.layer(x), y)

    def test_step(self, batch, batch_idx, dataloader_idx=0):
        x, y = batch
        self.log("test_loss", torch.nn.functional.mse_loss(self.layer(x), y))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.05)

    def train_dataloader(self):
        return DataLoader(self.data, batch_size=8)

    def test_dataloader(self):
        return [DataLoader(self.data, batch_size=4), DataLoader(self.data, batch_size=16)]


if __name__ == "__main__":
    model = Net()
    trainer = Trainer(max_epochs=1, logger=False, enable_checkpointing=False)
    trainer.fit(model)
    trainer.test(model)
