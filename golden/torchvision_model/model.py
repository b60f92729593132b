"""Lightning's `get_torchvision_model` (utilities/model_helpers.py), as the ImageNet example
uses it: the script defines a plain equivalent (tests/test_torchvision_model.py runs both with
stand-in torchvision distributions of several versions, and with none)."""

import lightning as L
import torch
from lightning.pytorch.utilities.model_helpers import get_torchvision_model
from torch.utils.data import DataLoader, TensorDataset


class Classifier(L.LightningModule):
    def __init__(self, arch="resnet18"):
        super().__init__()
        self.model = get_torchvision_model(arch, weights=None, num_classes=3)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return torch.nn.functional.cross_entropy(self.model(x), y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)

    def train_dataloader(self):
        x = torch.randn(8, 3, 32, 32)
        return DataLoader(TensorDataset(x, torch.arange(8) % 3), batch_size=4)
