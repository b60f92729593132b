"""A run whose model's module uses callback classes the entry does not import: lgen splices
them as it splices the callbacks the entry imports, and calls them where Lightning does."""

import torch
from lightning.pytorch import Trainer, seed_everything
from torch.utils.data import DataLoader, TensorDataset

from pkg.models import Net

if __name__ == "__main__":
    seed_everything(4)
    x = torch.randn(20, 2)
    train = DataLoader(TensorDataset(x, x[:, :1] - x[:, 1:]), batch_size=4, shuffle=True)
    trainer = Trainer(max_epochs=3, enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(Net(), train)
