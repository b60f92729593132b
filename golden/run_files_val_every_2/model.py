"""Lightning's default checkpoint callback with check_val_every_n_epoch=2: it saves when the
validation of every second epoch ends (not at the epochs without validation), and the file
holds the loop progress of a save inside that validation. `--ckpt PATH` resumes from it."""

import argparse

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
        optimizer = torch.optim.SGD(self.parameters(), lr=0.1)
        return [optimizer], [torch.optim.lr_scheduler.StepLR(optimizer, 1, 0.5)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ckpt", default=None)
    args = parser.parse_args()
    seed_everything(3)
    x = torch.randn(23, 4)
    y = x.sum(dim=1, keepdim=True) + 0.1 * torch.randn(23, 1)
    train = DataLoader(TensorDataset(x, y), batch_size=5, shuffle=True)
    val = DataLoader(TensorDataset(x[:11], y[:11]), batch_size=4)
    trainer = Trainer(max_epochs=5, check_val_every_n_epoch=2, log_every_n_steps=2, enable_progress_bar=False, enable_model_summary=False)
    model = Regressor()
    trainer.fit(model, train, val, ckpt_path=args.ckpt)
    for key, value in sorted(trainer.callback_metrics.items()):
        print("result", key, value.item())
    trainer.save_checkpoint("final.ckpt")


if __name__ == "__main__":
    main()
