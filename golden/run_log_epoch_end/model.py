"""Values logged in epoch-end hooks weigh 1, as in Lightning (which drops the batch after each
batch's end hooks), not the size of the epoch's last batch: with a last batch of 6, `x * 6 / 6`
is not always `x` in float32, so metrics.csv and callback_metrics show the difference."""

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from torch.utils.data import DataLoader, TensorDataset


class Net(LightningModule):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Linear(3, 1)
        self.draws = torch.Generator().manual_seed(5)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.net(x), y)
        self.log("train_loss", loss, on_epoch=True)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", torch.nn.functional.mse_loss(self.net(x), y))

    def on_validation_epoch_end(self):
        self.log_dict({f"val_end_{i}": torch.rand((), generator=self.draws) for i in range(8)})

    def on_train_epoch_end(self):
        self.log_dict({f"train_end_{i}": torch.rand((), generator=self.draws) for i in range(8)})

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.05)


if __name__ == "__main__":
    seed_everything(3)
    x = torch.randn(30, 3)
    data = TensorDataset(x, x.sum(1, keepdim=True))
    trainer = Trainer(max_epochs=2, log_every_n_steps=1, enable_checkpointing=False)
    trainer.fit(Net(), DataLoader(data, batch_size=12), DataLoader(data, batch_size=12))  # 12, 12, 6
    for key, value in sorted(trainer.callback_metrics.items()):
        print("result", key, repr(value.item()))
