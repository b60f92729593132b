"""A computed Trainer argument the script fixes when ejected (accumulation) stays refused."""

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


def main(clip=0.5):
    data = DataLoader(TensorDataset(torch.randn(8, 4), torch.randn(8, 1)), batch_size=4)
    trainer = Trainer(max_epochs=clip * 4, accumulate_grad_batches=int(clip * 4), logger=False, enable_checkpointing=False)
    trainer.fit(Regressor(), data)


if __name__ == "__main__":
    main()
