import lightning as L
import torch
from torch import nn


class TwoOptimizers(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.gen = nn.Linear(4, 4)
        self.disc = nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        return self.disc(self.gen(batch)).mean()

    def configure_optimizers(self):
        opt_g = torch.optim.Adam(self.gen.parameters(), lr=1e-3)
        opt_d = torch.optim.Adam(self.disc.parameters(), lr=1e-3)
        return [opt_g, opt_d]

    def train_dataloader(self):
        return torch.utils.data.DataLoader(torch.randn(16, 4), batch_size=4)
