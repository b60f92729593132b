"""A run whose model's `val_dataloader` returns a list of loaders (Lightning's CombinedLoader in
"sequential" mode), validated twice an epoch (`val_check_interval=0.5`) with the sanity check
over each loader: uneven loader lengths, a shuffled loader, a validation step that draws from
the RNG, hooks that record the `dataloader_idx` they get, `/dataloader_idx_N` names in
callback_metrics and a plateau scheduler monitoring one loader's value."""

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from torch.utils.data import DataLoader, TensorDataset


class Net(LightningModule):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Dropout(0.3), torch.nn.Linear(8, 1))
        g = torch.Generator().manual_seed(0)
        self.x = torch.randn(90, 4, generator=g)
        self.y = self.x[:, :1] * 2 + 0.1 * torch.randn(90, 1, generator=g)
        self.events = []

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
        self.log("val_loss", loss + torch.rand(()) * 1e-3)
        self.log("val_max", loss, reduce_fx="max", on_step=True)
        self.events.append(f"val:{dataloader_idx}:{batch_idx}:{len(x)}")

    def on_before_batch_transfer(self, batch, dataloader_idx):
        self.events.append(f"before:{dataloader_idx}")
        return batch

    def on_validation_batch_start(self, batch, batch_idx, dataloader_idx=0):
        self.events.append(f"start:{dataloader_idx}:{batch_idx}")

    def on_validation_epoch_end(self):
        self.events.append(f"epoch_end:{list(self.trainer.callback_metrics)}")

    def configure_optimizers(self):
        optimizer = torch.optim.SGD(self.parameters(), lr=0.05)
        scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=0)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "monitor": "val_loss/dataloader_idx_0", "interval": "step", "frequency": 3}}

    def train_dataloader(self):
        return DataLoader(TensorDataset(self.x[:40], self.y[:40]), batch_size=8, shuffle=True)

    def val_dataloader(self):
        return [
            DataLoader(TensorDataset(self.x[40:73], self.y[40:73]), batch_size=4, shuffle=True),  # 9 batches, limited to 3
            DataLoader(TensorDataset(self.x[73:90], self.y[73:90]), batch_size=7),  # 7, 7, 3
        ]


def main():
    seed_everything(11)
    model = Net()
    trainer = Trainer(max_epochs=2, val_check_interval=0.5, limit_val_batches=3, logger=False, enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False, accelerator="cpu")
    trainer.fit(model)
    for key, value in trainer.callback_metrics.items():
        print("result callback", key, repr(value.item()))
    print("result events", model.events)
    print("result training", [m.training for m in model.modules()])
    print("result after", torch.rand(2).tolist())
    trainer.save_checkpoint("final.ckpt")


if __name__ == "__main__":
    main()
