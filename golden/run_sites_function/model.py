"""A run function called twice with different max_epochs and hparams: two Trainers from one
`Trainer(...)` (lightning_logs/version_0 and version_1), each testing its own best checkpoint."""

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from torch.utils.data import DataLoader, TensorDataset


class Regressor(LightningModule):
    def __init__(self, lr=0.1):
        super().__init__()
        self.save_hyperparameters()
        self.layer = torch.nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.layer(x), y)
        self.log("train_loss", loss, on_step=True, on_epoch=True)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", torch.nn.functional.mse_loss(self.layer(x), y))

    def test_step(self, batch, batch_idx):
        x, y = batch
        self.log("test_loss", torch.nn.functional.mse_loss(self.layer(x), y))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


def train_model(epochs, **kwargs):
    x = torch.randn(23, 4)
    y = x.sum(dim=1, keepdim=True) + 0.1 * torch.randn(23, 1)
    train = DataLoader(TensorDataset(x, y), batch_size=5, shuffle=True)
    val = DataLoader(TensorDataset(x[:11], y[:11]), batch_size=4)
    trainer = Trainer(max_epochs=epochs, log_every_n_steps=2, enable_progress_bar=False, enable_model_summary=False)
    model = Regressor(**kwargs)
    trainer.fit(model, train, val)
    for key, value in sorted(trainer.callback_metrics.items()):
        print("result", key, value.item())
    for row in trainer.test(dataloaders=val, verbose=False):
        print("result test", row)


if __name__ == "__main__":
    seed_everything(7)
    train_model(2, lr=0.1)
    train_model(3, lr=0.05)
