"""save_hyperparameters with names given as strings, in an order of their own, beside
`**kwargs` and an ignored parameter: only the named ones are saved."""

import lightning as L
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class NamedHParams(L.LightningModule):
    def __init__(self, lr=0.04, hidden=6, seed_note="x", *args, **kwargs):
        super().__init__()
        self.save_hyperparameters("hidden", "lr", ignore=["seed_note"])
        self.net = nn.Sequential(nn.Linear(5, self.hparams.hidden), nn.Tanh(), nn.Linear(self.hparams.hidden, 1))
        self.order = list(self.hparams)

    def training_step(self, batch, batch_idx):
        x, y = batch
        # the saved order shows in the numbers: the first name's value scales the loss
        loss = nn.functional.mse_loss(self.net(x), y) * (1.0 + 0.1 * float(self.hparams[self.order[0]]))
        self.log("train_loss", loss)
        return loss

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)

    def train_dataloader(self):
        x = torch.randn(32, 5)
        return DataLoader(TensorDataset(x, x.sum(dim=1, keepdim=True)), batch_size=8, shuffle=True)
