import torch.nn.functional as F

from proj.models.backbone import mlp

from .base import BaseModule


class LitModel(BaseModule):
    def __init__(self, hidden: int = 24, lr: float = 5e-3):
        super().__init__()
        self.save_hyperparameters()
        self.net = mlp(6, hidden, 1)

    def loss(self, batch):
        x, y = batch
        return F.smooth_l1_loss(self.net(x), y)

    def training_step(self, batch, batch_idx):
        loss = self.loss(batch)
        self.log("train_loss", loss)
        return loss
