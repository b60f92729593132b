"""Trainers that differ in `gradient_clip_val` with the model's own `configure_gradient_clipping`:
refused (the script gives each Trainer its own value for Lightning's default clipping only)."""

import torch
from lightning.pytorch import LightningModule, Trainer
from torch.utils.data import DataLoader, TensorDataset


class Regressor(LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return torch.nn.functional.mse_loss(self.layer(x), y)

    def configure_gradient_clipping(self, optimizer, gradient_clip_val=None, gradient_clip_algorithm=None):
        self.clip_gradients(optimizer, gradient_clip_val=gradient_clip_val, gradient_clip_algorithm=gradient_clip_algorithm)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


def main():
    data = DataLoader(TensorDataset(torch.randn(8, 4), torch.randn(8, 1)), batch_size=4)
    for clip in (0.5, 1.0):
        trainer = Trainer(max_epochs=1, gradient_clip_val=clip, logger=False, enable_checkpointing=False)
        trainer.fit(Regressor(), data)


if __name__ == "__main__":
    main()
