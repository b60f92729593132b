"""Case (iii) of bench/loop_cost.py: a manual-optimization GAN with two optimizers.

The networks, the losses and the loader are plain PyTorch, shared by the hand-written loop and
the LightningModule.
"""

import lightning as L
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

N_SAMPLES = 8192
BATCH_SIZE = 32
LATENT = 16
FEATURES = 8


def make_loader():
    g = torch.Generator().manual_seed(0)
    real = torch.randn(N_SAMPLES, FEATURES, generator=g) * 0.5 + 1.0
    return DataLoader(TensorDataset(real), batch_size=BATCH_SIZE, shuffle=True)


def make_generator():
    return nn.Sequential(nn.Linear(LATENT, 32), nn.ReLU(), nn.Linear(32, FEATURES))


def make_discriminator():
    return nn.Sequential(nn.Linear(FEATURES, 32), nn.LeakyReLU(0.2), nn.Linear(32, 1))


def discriminator_loss(discriminator, real, fake):
    bce = nn.functional.binary_cross_entropy_with_logits
    d_real, d_fake = discriminator(real), discriminator(fake.detach())
    return bce(d_real, torch.ones_like(d_real)) + bce(d_fake, torch.zeros_like(d_fake))


def generator_loss(discriminator, fake):
    d_fake = discriminator(fake)
    return nn.functional.binary_cross_entropy_with_logits(d_fake, torch.ones_like(d_fake))


class GAN(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.automatic_optimization = False
        self.generator = make_generator()
        self.discriminator = make_discriminator()

    def training_step(self, batch, batch_idx):
        (real,) = batch
        g_opt, d_opt = self.optimizers()
        fake = self.generator(torch.randn(real.size(0), LATENT, device=real.device))

        d_loss = discriminator_loss(self.discriminator, real, fake)
        d_opt.zero_grad()
        self.manual_backward(d_loss)
        d_opt.step()

        g_loss = generator_loss(self.discriminator, fake)
        g_opt.zero_grad()
        self.manual_backward(g_loss)
        g_opt.step()

        self.log("d_loss", d_loss)
        self.log("g_loss", g_loss)

    def configure_optimizers(self):
        g_opt = torch.optim.Adam(self.generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
        d_opt = torch.optim.Adam(self.discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
        return [g_opt, d_opt]

    def train_dataloader(self):
        return make_loader()
