"""Manual optimization guide, "Learning Rate Scheduling": self.lr_schedulers() with two
schedulers, one stepped every N batches, one every N epochs via trainer.is_last_batch and
current_epoch; the settings in configure_optimizers are ignored, as in Lightning."""

import lightning as L
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

N = 2


class ManualSchedulers(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.enc = nn.Linear(8, 16)
        self.dec = nn.Linear(16, 1)
        self.automatic_optimization = False

    def training_step(self, batch, batch_idx):
        # do forward, backward, and optimization
        enc_opt, dec_opt = self.optimizers()
        x, y = batch
        loss = F.mse_loss(self.dec(torch.relu(self.enc(x))), y)
        enc_opt.zero_grad()
        dec_opt.zero_grad()
        self.manual_backward(loss)
        enc_opt.step()
        dec_opt.step()

        # multiple schedulers
        sch1, sch2 = self.lr_schedulers()

        # step every N batches
        if (batch_idx + 1) % N == 0:
            sch1.step()

        # step every N epochs
        if self.trainer.is_last_batch and (self.trainer.current_epoch + 1) % N == 0:
            sch2.step()

    def configure_optimizers(self):
        enc_opt = torch.optim.SGD(self.enc.parameters(), lr=0.1, momentum=0.5)
        dec_opt = torch.optim.SGD(self.dec.parameters(), lr=0.1)
        return [enc_opt, dec_opt], [
            {"scheduler": torch.optim.lr_scheduler.StepLR(enc_opt, step_size=3, gamma=0.5), "interval": "step"},
            torch.optim.lr_scheduler.ExponentialLR(dec_opt, gamma=0.7),
        ]

    def train_dataloader(self):
        # 80 samples / 8 = 10 batches
        x = torch.randn(80, 8)
        y = x.sum(dim=1, keepdim=True) + 0.1 * torch.randn(80, 1)
        return DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True)
