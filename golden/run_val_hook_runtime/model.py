"""A run whose model's `val_dataloader` returns what `__init__` built: a tuple of two loaders,
which lgen cannot count statically. The script decides at run time, as Lightning's
CombinedLoader does (one loader, or several with `dataloader_idx` and `/dataloader_idx_N`
names). Uneven loaders, a shuffled one, a validation step that draws from the RNG."""

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from torch.utils.data import DataLoader, TensorDataset


def loaders(x, y, sizes):
    out, start = [], 0
    for i, size in enumerate(sizes):
        out.append(DataLoader(TensorDataset(x[start : start + size], y[start : start + size]), batch_size=5, shuffle=i == 1))
        start += size
    return tuple(out)


class Net(LightningModule):
    def __init__(self, x, y):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Dropout(0.3), torch.nn.Linear(8, 1))
        self.train_loader = DataLoader(TensorDataset(x[:30], y[:30]), batch_size=6, shuffle=True)
        self.val_loaders = loaders(x[30:], y[30:], (12, 21))
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
        self.log("val_loss", torch.nn.functional.mse_loss(self(x), y) + torch.rand(()) * 1e-3, prog_bar=True)
        self.events.append(f"val:{dataloader_idx}:{batch_idx}:{len(x)}")

    def on_validation_epoch_end(self):
        self.events.append(f"epoch_end:{list(self.trainer.callback_metrics)}")
        self.log("ends", float(len(self.events)))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.05)

    def train_dataloader(self):
        return self.train_loader

    def val_dataloader(self):
        return self.val_loaders


def main():
    seed_everything(2)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(63, 4, generator=g)
    y = x[:, :1] - x[:, 1:2] + 0.1 * torch.randn(63, 1, generator=g)
    model = Net(x, y)
    trainer = Trainer(max_epochs=2, logger=False, enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False, accelerator="cpu")
    trainer.fit(model)
    for key, value in trainer.callback_metrics.items():
        print("result callback", key, repr(value.item()))
    print("result events", model.events)
    print("result after", torch.rand(2).tolist())
    trainer.save_checkpoint("final.ckpt")


if __name__ == "__main__":
    main()
