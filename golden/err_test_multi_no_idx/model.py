"""`trainer.test` given several loaders while `test_step` takes no `dataloader_idx`: Lightning
raises (`_verify_dataloader_idx_requirement`), so lgen refuses (LGEN126)."""

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

    def test_step(self, batch, batch_idx):
        x, y = batch
        self.log("test_loss", torch.nn.functional.mse_loss(self.layer(x), y))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.05)


if __name__ == "__main__":
    data = TensorDataset(torch.randn(32, 4), torch.randn(32, 1))
    model = Net()
    trainer = Trainer(max_epochs=1, logger=False, enable_checkpointing=False)
    trainer.fit(model, DataLoader(data, batch_size=8))
    trainer.test(model, dataloaders=[DataLoader(data, batch_size=4), DataLoader(data, batch_size=16)])
