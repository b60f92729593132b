"""Manual optimization guide, "Optimizer Steps at Different Frequencies": the discriminator
steps every other batch, the generator every batch; global_step counts each step, and
--max-steps stops mid-epoch on that count."""

import lightning as L
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class Frequencies(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.g = nn.Linear(8, 8)
        self.d = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 1))
        self.automatic_optimization = False

    def training_step(self, batch, batch_idx):
        g_opt, d_opt = self.optimizers()
        x, y = batch
        fake = self.g(x)
        errD = F.mse_loss(self.d(fake.detach()), y)

        # update discriminator every other step
        d_opt.zero_grad()
        self.manual_backward(errD)
        if (batch_idx + 1) % 2 == 0:
            d_opt.step()

        # update generator every step
        errG = F.mse_loss(self.d(fake), -y)
        g_opt.zero_grad()
        self.manual_backward(errG)
        g_opt.step()
        self.log("step_seen", float(self.global_step), on_step=True)

    def configure_optimizers(self):
        return torch.optim.Adam(self.g.parameters(), lr=0.01), torch.optim.Adam(self.d.parameters(), lr=0.01)

    def train_dataloader(self):
        # 80 samples / 8 = 10 batches
        x = torch.randn(80, 8)
        y = x.sum(dim=1, keepdim=True) + 0.1 * torch.randn(80, 1)
        return DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True)
