"""The LearningRateMonitor's rows through a CSVLogger given to the Trainer (a prefix, a flush
every 2 steps): the monitor calls each logger's log_metrics without saving, as Lightning's."""

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from lightning.pytorch.callbacks import LearningRateMonitor
from lightning.pytorch.loggers import CSVLogger
from torch.utils.data import DataLoader, TensorDataset


class Net(LightningModule):
    def __init__(self):
        super().__init__()
        self.body = torch.nn.Linear(4, 3)
        self.head = torch.nn.Linear(3, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.head(torch.tanh(self.body(x))), y)
        self.log("train_loss", loss, on_step=True, on_epoch=True)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", torch.nn.functional.mse_loss(self.head(torch.tanh(self.body(x))), y))

    def configure_optimizers(self):
        optimizer = torch.optim.SGD(
            [{"params": self.body.parameters()}, {"params": self.head.parameters(), "name": "head", "lr": 0.02}],
            lr=0.1,
            momentum=0.8,
            weight_decay=0.01,
        )
        warmup = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / 4))
        decay = torch.optim.lr_scheduler.StepLR(optimizer, 1, 0.5)
        return [optimizer], [{"scheduler": warmup, "interval": "step"}, decay]


def main():
    seed_everything(2)
    x = torch.randn(26, 4)
    y = x[:, :1] - x[:, 1:2]
    train = DataLoader(TensorDataset(x[:18], y[:18]), batch_size=4, shuffle=True)
    val = DataLoader(TensorDataset(x[18:], y[18:]), batch_size=4)
    trainer = Trainer(
        logger=CSVLogger("lr", prefix="q", flush_logs_every_n_steps=2),
        max_epochs=3,
        log_every_n_steps=2,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=[
            LearningRateMonitor(logging_interval="step", log_momentum=True),
            LearningRateMonitor(log_weight_decay=True),
        ],
    )
    trainer.fit(Net(), train, val)
    for key, value in trainer.callback_metrics.items():
        print("result", key, value.item())


if __name__ == "__main__":
    main()
