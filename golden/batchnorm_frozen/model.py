"""BatchNorm in the trained head, plus a frozen feature extractor put in eval mode
in __init__ (Lightning never calls .train() on it, so its BatchNorm running stats
and Dropout stay in eval behaviour)."""

import pytorch_lightning as pl
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class FeatureExtractor(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(8, 8)
        self.bn = nn.BatchNorm1d(8)
        self.drop = nn.Dropout(0.5)

    def forward(self, x):
        return self.drop(torch.relu(self.bn(self.proj(x))))


class FrozenBNModel(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.features = FeatureExtractor()
        self.features.requires_grad_(False)
        self.features.eval()
        self.head = nn.Sequential(
            nn.Linear(8, 16),
            nn.BatchNorm1d(16),
            nn.ReLU(),
            nn.Dropout(0.2),
            nn.Linear(16, 3),
        )

    def forward(self, x):
        return self.head(self.features(x))

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = nn.functional.cross_entropy(self(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", nn.functional.cross_entropy(self(x), y))

    def configure_optimizers(self):
        params = [p for p in self.parameters() if p.requires_grad]
        return torch.optim.SGD(params, lr=0.1, momentum=0.9)

    def train_dataloader(self):
        x = torch.randn(72, 8) + 1.0
        y = torch.randint(0, 3, (72,))
        return DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True)

    def val_dataloader(self):
        x = torch.randn(24, 8) + 1.0
        y = torch.randint(0, 3, (24,))
        return DataLoader(TensorDataset(x, y), batch_size=8)
