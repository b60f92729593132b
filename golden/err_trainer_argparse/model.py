"""`Trainer.add_argparse_args` / `Trainer.from_argparse_args` went in Lightning 2.0: Lightning
2.6.6 raises AttributeError before any training, and lgen refuses the file as Lightning does."""

from argparse import ArgumentParser

import lightning.pytorch as pl
import torch
from torch.utils.data import DataLoader, TensorDataset


class Model(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        return self.layer(batch[0]).sum()

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


def main():
    parser = ArgumentParser()
    parser = pl.Trainer.add_argparse_args(parser)
    args = parser.parse_args([])
    trainer = pl.Trainer.from_argparse_args(args)
    trainer.fit(Model(), DataLoader(TensorDataset(torch.randn(8, 4)), batch_size=4))


if __name__ == "__main__":
    main()
