import lightning as L
import torch
from torch import nn


class TupleReturn(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        y_hat = self.layer(batch)
        loss = y_hat.pow(2).mean()
        return loss, y_hat

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)

    def train_dataloader(self):
        return torch.utils.data.DataLoader(torch.randn(16, 4), batch_size=4)
