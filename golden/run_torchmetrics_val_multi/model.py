"""torchmetrics objects logged under several validation loaders (Lightning's sequential
CombinedLoader): one metric object per name, so Lightning keeps one entry per loader
(`/dataloader_idx_N`), computes a loader's entry when the loop moves to the next loader and keeps
that value, while the object goes on accumulating (it is reset only after the run).
MeanAbsoluteError via forward (on_step, no logger), MeanSquaredError via update; the rest as
run_fit_val_multi."""

import torch
import torchmetrics
from lightning.pytorch import LightningModule, Trainer, seed_everything
from torch.utils.data import DataLoader, TensorDataset


class Net(LightningModule):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Dropout(0.3), torch.nn.Linear(8, 1))
        self.events = []
        self.val_mae = torchmetrics.MeanAbsoluteError()
        self.val_mse = torchmetrics.MeanSquaredError()

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx, dataloader_idx=0):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self(x), y)
        self.log("val_loss", loss + torch.rand(()) * 1e-3)  # the draw shows the loaders' order
        self.log("val_both", loss * 3, on_step=True, on_epoch=True, logger=False)
        self.val_mae(self(x), y)
        self.log("val_mae", self.val_mae, on_step=True, on_epoch=True, logger=False)
        self.val_mse.update(self(x), y)
        self.log("val_mse", self.val_mse)
        self.events.append(f"val:{dataloader_idx}:{batch_idx}:{len(x)}")
        return loss

    def on_validation_batch_end(self, outputs, batch, batch_idx, dataloader_idx=0):
        self.events.append(f"end:{dataloader_idx}:{batch_idx}:{outputs.item():.5f}")

    def on_validation_epoch_end(self):
        self.events.append(f"epoch_end:{sorted(self.trainer.callback_metrics)}")
        self.log("val_batches", float(len([e for e in self.events if e.startswith("val:")])))

    def configure_optimizers(self):
        optimizer = torch.optim.SGD(self.parameters(), lr=0.05)
        scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=0)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "monitor": "val_loss/dataloader_idx_1"}}


def main():
    seed_everything(3)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(100, 4, generator=g)
    y = x[:, :1] * 2 + 0.1 * torch.randn(100, 1, generator=g)
    train = DataLoader(TensorDataset(x[:40], y[:40]), batch_size=8, shuffle=True)
    a = DataLoader(TensorDataset(x[40:54], y[40:54]), batch_size=6)  # 6, 6, 2
    b = DataLoader(TensorDataset(x[54:100], y[54:100]), batch_size=5, shuffle=True)  # 10 batches, limited to 4
    model = Net()
    trainer = Trainer(
        max_epochs=3,
        limit_val_batches=4,
        num_sanity_val_steps=2,
        log_every_n_steps=2,
        enable_progress_bar=False,
        enable_model_summary=False,
        accelerator="cpu",
    )
    trainer.fit(model, train, val_dataloaders=[a, b])
    for key, value in trainer.callback_metrics.items():
        print("result callback", key, repr(value.item()))
    print("result events", model.events)
    print("result after", torch.rand(2).tolist())
    trainer.save_checkpoint("final.ckpt")


if __name__ == "__main__":
    main()
