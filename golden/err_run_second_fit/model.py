"""A second fit on the same Trainer given a checkpoint to restore (not verified yet): refused, located."""

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
    trainer = Trainer(max_epochs=2, logger=False, enable_checkpointing=False)
    model = Regressor()
    trainer.fit(model, data)
    trainer.save_checkpoint("first.ckpt")
    trainer.fit(model, data, ckpt_path="first.ckpt")


if __name__ == "__main__":
    main()
