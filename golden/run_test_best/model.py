"""A run with Lightning's default logger and checkpoint callback, then evaluation after fit:
`test(model, ckpt_path="best")` loads the best checkpoint (the weights are zeroed first, so the
load shows in the numbers), `validate(model, ckpt_path="last")` loads nothing (no last
checkpoint: Lightning warns), `test()` without a model takes the best checkpoint, and a path.
metrics.csv gets the test / validate rows at the fit's last step; hparams.yaml is rewritten at
every stage's start."""

import glob

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from torch.utils.data import DataLoader, TensorDataset


class Regressor(LightningModule):
    def __init__(self, lr=0.05, width=3):
        super().__init__()
        self.save_hyperparameters()
        self.layer = torch.nn.Linear(4, width)

    def forward(self, x):
        return self.layer(x).sum(dim=1, keepdim=True)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self(x), y)
        self.log("loss", loss, on_step=True, on_epoch=True)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", torch.nn.functional.mse_loss(self(x), y))

    def test_step(self, batch, batch_idx):
        x, y = batch
        self.log("test_loss", torch.nn.functional.mse_loss(self(x), y))
        self.log("test_max", (self(x) - y).abs().max(), reduce_fx="max")

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


def zero(model):
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()


if __name__ == "__main__":
    seed_everything(3)
    x = torch.randn(40, 4)
    y = x.sum(dim=1, keepdim=True)
    train = DataLoader(TensorDataset(x[:24], y[:24]), batch_size=4, shuffle=True)
    val = DataLoader(TensorDataset(x[24:32], y[24:32]), batch_size=4)
    test_data = DataLoader(TensorDataset(x[32:], y[32:]), batch_size=3)
    model = Regressor(width=2)
    trainer = Trainer(max_epochs=3, log_every_n_steps=2, enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(model, train, val)
    zero(model)
    print("result best", trainer.test(model, dataloaders=test_data, ckpt_path="best", verbose=False))
    zero(model)
    print("result last", trainer.validate(model, dataloaders=val, ckpt_path="last", verbose=False))
    print("result no model", trainer.test(dataloaders=test_data, verbose=False))
    zero(model)
    path = sorted(glob.glob("lightning_logs/version_0/checkpoints/*.ckpt"))[0]
    print("result path", trainer.test(model, dataloaders=test_data, ckpt_path=path, verbose=False))
    print("result weights", [p.tolist() for p in model.parameters()])
