"""A run whose datamodule saves its hyperparameters and builds its data from `self.hparams`:
`datamodule_hyper_parameters` in the checkpoints, hparams.yaml merging the model's and the
datamodule's. The model's `__init__` takes only `**kwargs` and is given none: its hparams are
empty, and Lightning then writes no `hyper_parameters` into the checkpoints."""

import torch
from lightning.pytorch import LightningDataModule, LightningModule, Trainer, seed_everything
from torch.utils.data import DataLoader, TensorDataset


class Regressor(LightningModule):
    def __init__(self, **kwargs):
        super().__init__()
        self.save_hyperparameters()
        self.lr = kwargs.get("lr", 0.05)
        self.layer = torch.nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.layer(x), y)
        self.log("loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", torch.nn.functional.mse_loss(self.layer(x), y))

    def configure_optimizers(self):
        # the datamodule's hyperparameters, read through the trainer
        return torch.optim.SGD(self.parameters(), lr=self.lr * self.trainer.datamodule.hparams.scale, momentum=0.9)


class NoisyData(LightningDataModule):
    def __init__(self, batch_size=4, noise=0.1, scale=1.0):
        super().__init__()
        self.save_hyperparameters()

    def setup(self, stage):
        g = torch.Generator().manual_seed(5)
        x = torch.randn(36, 4, generator=g)
        y = x.sum(dim=1, keepdim=True) + self.hparams.noise * torch.randn(36, 1, generator=g)
        self.train_set = TensorDataset(x[:28], y[:28])
        self.val_set = TensorDataset(x[28:], y[28:])

    def train_dataloader(self):
        return DataLoader(self.train_set, batch_size=self.hparams.batch_size, shuffle=True)

    def val_dataloader(self):
        return DataLoader(self.val_set, batch_size=self.hparams["batch_size"])


if __name__ == "__main__":
    seed_everything(3)
    model = Regressor()
    dm = NoisyData(batch_size=6, noise=0.5, scale=2.0)
    trainer = Trainer(max_epochs=2, log_every_n_steps=2, enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(model, datamodule=dm)
    print("result", sorted((k, v.item()) for k, v in trainer.callback_metrics.items()), dict(dm.hparams))
