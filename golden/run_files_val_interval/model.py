"""Lightning's default logger and ModelCheckpoint with validation inside the epoch
(`val_check_interval=0.4` of 7 batches: after batches 2, 4 and 6, not at the epoch's end): each
validation writes its metrics.csv row at the batches' step, and the checkpoint callback saves
after each one (`epoch=E-step=S` of that moment, the previous file removed) with the loop
progress of the middle of an epoch. An epoch scheduler, on_step and on_epoch values."""

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from torch.utils.data import DataLoader, TensorDataset


class Regressor(LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.layer(x), y)
        self.log("train_loss", loss, on_step=True, on_epoch=True)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", torch.nn.functional.mse_loss(self.layer(x), y))

    def configure_optimizers(self):
        optimizer = torch.optim.SGD(self.parameters(), lr=0.05, momentum=0.5)
        return [optimizer], [torch.optim.lr_scheduler.StepLR(optimizer, 1, 0.5)]


def main():
    seed_everything(13)
    x = torch.randn(33, 4)
    y = x.sum(dim=1, keepdim=True) + 0.1 * torch.randn(33, 1)
    train = DataLoader(TensorDataset(x[:26], y[:26]), batch_size=4, shuffle=True)
    val = DataLoader(TensorDataset(x[26:], y[26:]), batch_size=3)
    trainer = Trainer(max_epochs=3, val_check_interval=0.4, log_every_n_steps=2, enable_progress_bar=False, enable_model_summary=False)
    model = Regressor()
    trainer.fit(model, train, val)
    for key, value in sorted(trainer.callback_metrics.items()):
        print("result", key, value.item())
    trainer.save_checkpoint("final.ckpt")


if __name__ == "__main__":
    main()
