"""`load_from_checkpoint` called on something other than the model class by name: the script
has Lightning's classmethod only as `load_from_checkpoint(Model, ...)`, so lgen refuses, located."""

import torch
from lightning.pytorch import LightningModule, Trainer
from torch.utils.data import DataLoader, TensorDataset


class Regressor(LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return torch.nn.functional.mse_loss(self.layer(x), y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


def main():
    x = torch.randn(8, 4)
    model = Regressor()
    trainer = Trainer(max_epochs=1, logger=False, enable_checkpointing=False)
    trainer.fit(model, DataLoader(TensorDataset(x, x.sum(1, keepdim=True)), batch_size=4))
    trainer.save_checkpoint("final.ckpt")
    again = type(model).load_from_checkpoint("final.ckpt")
    print(again)


if __name__ == "__main__":
    main()
