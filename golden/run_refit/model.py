"""A second `fit` on the same Trainer (the mnist-hello-world tutorial's shape): Lightning's fit loop
is at its limit, so it runs the set-up hooks, configures fresh optimizers, runs the sanity check and
loads the data, trains no further and ends the fit (`on_fit_end`, `teardown`); no metrics row, no
checkpoint, the same version folder; callback_metrics reset. `save_checkpoint` after it holds the
fresh optimizer's state (no momentum buffers)."""

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
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", torch.nn.functional.mse_loss(self.layer(x), y))

    def test_step(self, batch, batch_idx):
        x, y = batch
        self.log("test_loss", torch.nn.functional.mse_loss(self.layer(x), y))

    def train_dataloader(self):
        x = torch.randn(20, 4)
        return DataLoader(TensorDataset(x, x.sum(dim=1, keepdim=True)), batch_size=6, shuffle=True)

    def val_dataloader(self):
        x = torch.randn(8, 4)
        return DataLoader(TensorDataset(x, x.sum(dim=1, keepdim=True)), batch_size=4)

    def test_dataloader(self):
        x = torch.randn(8, 4)
        return DataLoader(TensorDataset(x, x.sum(dim=1, keepdim=True)), batch_size=4)

    def configure_optimizers(self):
        print("result configure_optimizers", self.current_epoch, self.global_step)
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr, momentum=0.9)

    def on_train_start(self):
        print("result on_train_start", self.current_epoch, self.global_step)

    def on_fit_end(self):
        print("result on_fit_end", self.current_epoch, self.global_step)

    def teardown(self, stage):
        print("result teardown", stage, self.current_epoch, self.global_step)


if __name__ == "__main__":
    seed_everything(5)
    model = Regressor()
    trainer = Trainer(max_epochs=2, log_every_n_steps=1, enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(model)
    print("result first", sorted(trainer.callback_metrics))
    trainer.fit(model)
    print("result second", trainer.current_epoch, trainer.global_step, sorted(trainer.callback_metrics))
    trainer.save_checkpoint("after.ckpt")
    print("result test", trainer.test(ckpt_path="best", verbose=False))
    print("result draw", torch.rand(2).tolist())
