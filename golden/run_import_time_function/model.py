"""A notebook-style entry: `seed_everything` at module level and a `train()` function that makes the
Trainer, called from module-level code (no main guard), as the UvA tutorials are written. The run
happens as the module runs, so the script's options are read first and the entry's module-level
code ends the script; the seed at module level is the run's seed."""

import lightning as L
import torch
from torch.utils.data import DataLoader, TensorDataset

L.seed_everything(42)


class Regressor(L.LightningModule):
    def __init__(self, hidden=8):
        super().__init__()
        self.save_hyperparameters()
        self.net = torch.nn.Sequential(torch.nn.Linear(4, hidden), torch.nn.ReLU(), torch.nn.Dropout(0.1), torch.nn.Linear(hidden, 1))

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.net(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", torch.nn.functional.mse_loss(self.net(x), y))

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=0.01)


def train(hidden):
    x = torch.randn(64, 4)
    data = TensorDataset(x, x[:, :1] - x[:, 1:2])
    trainer = L.Trainer(max_epochs=3, log_every_n_steps=2, default_root_dir=f"runs/h{hidden}")
    model = Regressor(hidden)
    trainer.fit(model, DataLoader(data, batch_size=16, shuffle=True), DataLoader(data, batch_size=32))
    return trainer.callback_metrics["val_loss"].item()


results = {hidden: train(hidden) for hidden in (4, 8)}
print("result", results)
