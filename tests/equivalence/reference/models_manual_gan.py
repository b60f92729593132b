"""Manual optimization with two optimizers (a small GAN), for the issue-4 DDP reference.

`self.automatic_optimization = False`; `g_opt, d_opt = self.optimizers()`; each
optimizer's step is bracketed by toggle_optimizer/untoggle_optimizer and uses
`self.manual_backward`, `opt.zero_grad()` and `opt.step()`. The generator step
backpropagates through the (toggled-off) discriminator, so under DDP the
discriminator's parameters are unused in that backward: Lightning needs
`strategy="ddp_find_unused_parameters_true"` for it (plain "ddp" fails in the
second manual_backward; see docs/precision-ddp-notes.md).

The noise `z` is drawn from the global torch RNG inside training_step, and the
discriminator has dropout: both depend on the RNG choreography.
"""

import lightning as L
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class ManualGAN(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.automatic_optimization = False
        self.generator = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 8))
        self.discriminator = nn.Sequential(
            nn.Linear(8, 16),
            nn.LeakyReLU(0.2),
            nn.Dropout(0.1),
            nn.Linear(16, 1),
        )

    def forward(self, z):
        return self.generator(z)

    def training_step(self, batch, batch_idx):
        (real,) = batch
        g_opt, d_opt = self.optimizers()
        z = torch.randn(real.size(0), 4, device=real.device)

        # generator: make the discriminator call fakes real
        self.toggle_optimizer(g_opt)
        fake = self(z)
        fake_logits = self.discriminator(fake)
        g_loss = F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
        g_opt.zero_grad()
        self.manual_backward(g_loss)
        g_opt.step()
        self.untoggle_optimizer(g_opt)

        # discriminator: tell real from (detached) fake
        self.toggle_optimizer(d_opt)
        real_logits = self.discriminator(real)
        fake_logits = self.discriminator(fake.detach())
        d_loss = 0.5 * (
            F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
            + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
        )
        d_opt.zero_grad()
        self.manual_backward(d_loss)
        d_opt.step()
        self.untoggle_optimizer(d_opt)

        self.log_dict({"g_loss": g_loss, "d_loss": d_loss}, prog_bar=True)

    def validation_step(self, batch, batch_idx):
        (real,) = batch
        logits = self.discriminator(real)
        self.log("val_d_real", F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits)))

    def configure_optimizers(self):
        g_opt = torch.optim.Adam(self.generator.parameters(), lr=2e-3, betas=(0.5, 0.999))
        d_opt = torch.optim.Adam(self.discriminator.parameters(), lr=2e-3, betas=(0.5, 0.999))
        return [g_opt, d_opt]

    def train_dataloader(self):
        # 64 samples / 8 = 8 batches; 4 per rank under 2-process DDP
        x = 0.5 * torch.randn(64, 8) + 1.0
        return DataLoader(TensorDataset(x), batch_size=8, shuffle=True)

    def val_dataloader(self):
        x = 0.5 * torch.randn(20, 8) + 1.0
        return DataLoader(TensorDataset(x), batch_size=8)
