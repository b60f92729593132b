"""Training hooks that change state deterministically (buffers, grads, weights)."""

import lightning as L
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset


class PolyDataset(Dataset):
    """Deterministic items computed from the index."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, idx):
        x = torch.tensor([idx / 10.0, (idx % 7) / 7.0, ((idx * 13) % 11) / 11.0, 1.0])
        y = torch.tensor([x[0] * x[1] - x[2] + 0.3])
        return x, y


class HooksModel(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 1))
        self.register_buffer("scale", torch.tensor(1.0))
        self.register_buffer("batches_seen", torch.tensor(0))
        self.register_buffer("loss_ema", torch.tensor(0.0))
        self.register_buffer("grad_norm_sum", torch.tensor(0.0))
        self.register_buffer("val_runs", torch.tensor(0))

    def forward(self, x):
        return self.net(x) * self.scale

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = nn.functional.mse_loss(self(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", nn.functional.mse_loss(self(x), y))

    def on_train_epoch_start(self):
        self.scale.mul_(0.9)

    def on_train_batch_start(self, batch, batch_idx):
        self.batches_seen += 1

    def on_after_backward(self):
        for p in self.parameters():
            if p.grad is not None:
                p.grad.mul_(0.5 + 0.5 * self.scale)

    def on_before_optimizer_step(self, optimizer):
        norms = [p.grad.norm() for p in self.parameters() if p.grad is not None]
        self.grad_norm_sum += torch.stack(norms).sum()
        for group in optimizer.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.grad.add_(p.detach(), alpha=1e-3)

    def on_train_batch_end(self, outputs, batch, batch_idx):
        self.loss_ema.mul_(0.9).add_(0.1 * outputs["loss"])

    def on_train_epoch_end(self):
        with torch.no_grad():
            self.net[0].weight.mul_(0.99)

    def on_validation_epoch_end(self):
        # also runs after the sanity check
        self.val_runs += 1
        with torch.no_grad():
            self.net[3].bias.add_(0.01 * self.val_runs)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.05, momentum=0.9)

    def train_dataloader(self):
        return DataLoader(PolyDataset(60), batch_size=8, shuffle=True)

    def val_dataloader(self):
        return DataLoader(PolyDataset(20), batch_size=8)
