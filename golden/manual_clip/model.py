"""Manual optimization guide, "Gradient Clipping": self.clip_gradients by norm between
manual_backward and step, and a second optimizer clipped by value."""

import lightning as L
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class ManualClip(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(8, 16), nn.ReLU())
        self.head = nn.Linear(16, 1)
        self.automatic_optimization = False

    def training_step(self, batch, batch_idx):
        body_opt, head_opt = self.optimizers()
        x, y = batch

        # compute loss
        loss = F.mse_loss(self.head(self.body(x)), y) * 10.0

        body_opt.zero_grad()
        head_opt.zero_grad()
        self.manual_backward(loss)

        # clip gradients
        self.clip_gradients(body_opt, gradient_clip_val=0.5, gradient_clip_algorithm="norm")
        self.clip_gradients(head_opt, gradient_clip_val=0.01, gradient_clip_algorithm="value")

        body_opt.step()
        head_opt.step()

    def configure_optimizers(self):
        return [
            torch.optim.SGD(self.body.parameters(), lr=0.05, momentum=0.9),
            torch.optim.Adam(self.head.parameters(), lr=0.01),
        ]

    def train_dataloader(self):
        # 80 samples / 8 = 10 batches
        x = torch.randn(80, 8)
        y = x.sum(dim=1, keepdim=True) + 0.1 * torch.randn(80, 1)
        return DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True)
