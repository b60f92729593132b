"""Two Trainers that differ in an argument the script fixes when ejected (accumulation): refused, naming both."""

import torch
from lightning.pytorch import LightningModule, Trainer
from torch.utils.data import DataLoader, TensorDataset


class Regressor(LightningModule):
    def __init__(self, lr=0.1):
        super().__init__()
        self.lr = lr
        self.layer = torch.nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return torch.nn.functional.mse_loss(self.layer(x), y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.lr)


def main():
    data = DataLoader(TensorDataset(torch.randn(8, 4), torch.randn(8, 1)), batch_size=4)
    first = Trainer(max_epochs=1, logger=False, enable_checkpointing=False)
    first.fit(Regressor(), data)
    second = Trainer(max_epochs=2, accumulate_grad_batches=2, logger=False, enable_checkpointing=False)
    second.fit(Regressor(), data)


if __name__ == "__main__":
    main()
