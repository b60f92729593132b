"""A run whose fit is given the model as an expression (`trainer.fit(Net(), ...)`): `test` and
`predict` without a model, `save_checkpoint` and the entry's reads all reach it as
`trainer.lightning_module`. The test loads the fit's best checkpoint, as Lightning does when no
model is given."""

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from torch.utils.data import DataLoader, TensorDataset


class Net(LightningModule):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
        self.seen = 0

    def training_step(self, batch, batch_idx):
        x, y = batch
        self.seen += len(x)
        loss = torch.nn.functional.mse_loss(self.net(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", torch.nn.functional.mse_loss(self.net(x), y))

    def test_step(self, batch, batch_idx):
        x, y = batch
        self.log("test_loss", torch.nn.functional.mse_loss(self.net(x), y))

    def predict_step(self, batch, batch_idx):
        return self.net(batch[0])

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=0.02)


if __name__ == "__main__":
    seed_everything(21)
    x = torch.randn(80, 4)
    data = TensorDataset(x, x[:, :2].prod(1, keepdim=True))
    train = DataLoader(data, batch_size=10, shuffle=True)
    val = DataLoader(data, batch_size=40)
    trainer = Trainer(max_epochs=3, log_every_n_steps=4)
    trainer.fit(Net(), train, val)
    print("result seen", trainer.lightning_module.seen)
    trainer.save_checkpoint("after.ckpt")
    print("result test", trainer.test(dataloaders=val, verbose=False))
    predictions = trainer.predict(dataloaders=val)
    print("result predict", [round(p.sum().item(), 5) for p in predictions])
