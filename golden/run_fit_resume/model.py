"""A run that resumes: `trainer.fit(model, ..., ckpt_path=args.ckpt)` with the checkpoint path
from the command line (tests/test_runs.py first makes one with a shorter fit). The resumed run
logs to version_1, and its checkpoints carry the loop progress on from the checkpoint's."""

import argparse

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from torch.utils.data import DataLoader, TensorDataset


class Regressor(LightningModule):
    def __init__(self, lr=0.05):
        super().__init__()
        self.save_hyperparameters()
        self.layer = torch.nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.layer(x), y)
        self.log("loss", loss, on_step=True, on_epoch=True)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", torch.nn.functional.mse_loss(self.layer(x), y))

    def configure_optimizers(self):
        optimizer = torch.optim.SGD(self.parameters(), lr=self.hparams.lr, momentum=0.9)
        return [optimizer], [torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)]


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--ckpt", default=None)
    args = parser.parse_args()
    seed_everything(7)
    x = torch.randn(36, 4)
    y = x.sum(dim=1, keepdim=True)
    train = DataLoader(TensorDataset(x[:28], y[:28]), batch_size=4, shuffle=True)
    val = DataLoader(TensorDataset(x[28:], y[28:]), batch_size=4)
    trainer = Trainer(max_epochs=3, log_every_n_steps=3, enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(Regressor(), train, val, ckpt_path=args.ckpt)
    print("result", sorted((k, v.item()) for k, v in trainer.callback_metrics.items()))
    print("result step", trainer.global_step, trainer.current_epoch)
