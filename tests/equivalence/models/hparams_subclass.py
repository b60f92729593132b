"""save_hyperparameters("hidden", "lr", "scale") in the root class's `__init__` of a three-class
chain: Lightning collects the arguments of each `__init__` of the model on the calling frames, the
subclass's overriding its base's (`hidden` and `lr` are saved as the outermost `__init__` that
takes them got them, not as they were passed on), and saves the names in their order."""

import lightning as L
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class Base(L.LightningModule):
    def __init__(self, lr=0.5):
        super().__init__()
        self.save_hyperparameters("hidden", "lr", "scale")
        self.order = list(self.hparams)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


class Middle(Base):
    def __init__(self, hidden=4, lr=0.1, scale=2.0):
        super().__init__(lr=lr * 3)
        self.net = nn.Sequential(nn.Linear(5, self.hparams.hidden), nn.Tanh(), nn.Linear(self.hparams.hidden, 1))

    def training_step(self, batch, batch_idx):
        x, y = batch
        # the saved order shows in the numbers: the first name's value scales the loss
        loss = nn.functional.mse_loss(self.net(x), y) * (1.0 + 0.1 * float(self.hparams[self.order[0]])) * self.hparams.scale
        self.log("train_loss", loss)
        return loss

    def train_dataloader(self):
        x = torch.randn(32, 5)
        return DataLoader(TensorDataset(x, x.sum(dim=1, keepdim=True)), batch_size=8, shuffle=True)


class SubclassHParams(Middle):
    def __init__(self, hidden=6, **kwargs):
        super().__init__(hidden=hidden - 1, lr=0.03, **kwargs)
