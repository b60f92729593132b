"""Case (iv) of bench/loop_cost.py: a compute-bound model (a wide MLP, batch 256), `self.log` every step."""

import lightning as L
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

N_SAMPLES = 4096
BATCH_SIZE = 256
FEATURES = 512
CLASSES = 10


def make_loader():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(N_SAMPLES, FEATURES, generator=g)
    y = torch.randint(0, CLASSES, (N_SAMPLES,), generator=g)
    return DataLoader(TensorDataset(x, y), batch_size=BATCH_SIZE, shuffle=True)


class WideNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Linear(FEATURES, 2048), nn.ReLU(), nn.Linear(2048, 2048), nn.ReLU(), nn.Linear(2048, CLASSES)
        )

    def forward(self, x):
        return self.body(x)


def make_optimizer(params):
    return torch.optim.AdamW(params, lr=1e-3)


class Wide(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = WideNet()

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = nn.functional.cross_entropy(self.net(x), y)
        self.log("train_loss", loss)
        return loss

    def configure_optimizers(self):
        return make_optimizer(self.parameters())

    def train_dataloader(self):
        return make_loader()
