"""`Model.load_from_checkpoint(...)` after fit, as Lightning 2.6.6 runs it: the class made again
from the checkpoint's `hyper_parameters` (the call's keywords win, one `__init__` does not take
is dropped), `on_load_checkpoint` run, the weights loaded; then the loaded model is tested."""

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from torch.utils.data import DataLoader, TensorDataset


class Regressor(LightningModule):
    def __init__(self, lr=0.05, width=3, scale=1.0):
        super().__init__()
        self.save_hyperparameters()
        self.layer = torch.nn.Linear(4, width)
        self.loaded_epoch = -1

    def forward(self, x):
        return self.layer(x).sum(dim=1, keepdim=True) * self.hparams.scale

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self(x), y)
        self.log("loss", loss)
        return loss

    def test_step(self, batch, batch_idx):
        x, y = batch
        self.log("test_loss", torch.nn.functional.mse_loss(self(x), y))

    def on_load_checkpoint(self, checkpoint):
        self.loaded_epoch = checkpoint["epoch"]

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


def main():
    seed_everything(5)
    x = torch.randn(20, 4)
    y = x.sum(dim=1, keepdim=True)
    train = DataLoader(TensorDataset(x, y), batch_size=4, shuffle=True)
    trainer = Trainer(max_epochs=2, log_every_n_steps=1, enable_progress_bar=False, enable_model_summary=False)
    fitted = Regressor(width=2)
    trainer.fit(fitted, train)
    trainer.save_checkpoint("final.ckpt")
    model = Regressor.load_from_checkpoint("final.ckpt", scale=0.5, unknown=1)
    print("result loaded", sorted(model.hparams.items()), model.loaded_epoch, model.training)
    print("result weight", model.layer.weight.tolist())
    results = trainer.test(model, dataloaders=DataLoader(TensorDataset(x, y), batch_size=5), verbose=False)
    print("result test", results)


if __name__ == "__main__":
    main()
