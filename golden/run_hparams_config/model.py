"""save_hyperparameters(config) with an argparse Namespace (copied into `self.hparams`, the
`ignore=` key dropped); the checkpoint's `hyper_parameters` and the numbers read what Lightning saved."""

import argparse

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from torch.utils.data import DataLoader, TensorDataset


class Regressor(LightningModule):
    def __init__(self, config, verbose=False):
        super().__init__()
        self.save_hyperparameters(config, ignore="debug")
        config.lr = 99.0  # a change after the call: Lightning saved a copy
        self.layer = torch.nn.Linear(4, self.hparams.width)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.layer(x).sum(dim=1, keepdim=True), y)
        self.log("loss", loss)
        return loss

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


def main():
    seed_everything(5)
    x = torch.randn(20, 4)
    y = x.sum(dim=1, keepdim=True)
    train = DataLoader(TensorDataset(x, y), batch_size=4, shuffle=True)
    config = argparse.Namespace(lr=0.05, width=3, debug=True)
    model = Regressor(config)
    print("result hparams", list(model.hparams.items()), type(model.hparams).__name__)
    trainer = Trainer(max_epochs=2, logger=False, enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(model, train)
    for key, value in sorted(trainer.callback_metrics.items()):
        print("result", key, value.item())
    trainer.save_checkpoint("final.ckpt")


if __name__ == "__main__":
    main()
