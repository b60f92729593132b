"""A run: `trainer.validate` and `trainer.test` after fit, each given several loaders (Lightning's
CombinedLoader in "sequential" mode). Uneven loader lengths, a shuffled second loader and a step
that draws from the RNG show the order of the iter() draws; test_step logs per loader (a mean, a
max, a step-and-epoch value) and the epoch-end hook logs once; hooks record the dataloader_idx
they get; the results table is printed with a column per loader."""

import io
import sys

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from torch.utils.data import DataLoader, TensorDataset


class Net(LightningModule):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Dropout(0.3), torch.nn.Linear(8, 1))
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
        self.log("val_loss", loss + torch.rand(()) * 1e-3)  # the draw shows the loaders' order
        self.events.append(f"val:{dataloader_idx}:{batch_idx}:{len(x)}")

    def test_step(self, batch, batch_idx, dataloader_idx=0):
        x, y = batch
        out = self(x)
        loss = torch.nn.functional.mse_loss(out, y)
        self.log("test_loss", loss)
        self.log("test_max", out.max(), reduce_fx="max")
        self.log("test_both", loss * 2 + torch.rand(()), on_step=True, on_epoch=True)
        return loss

    def on_before_batch_transfer(self, batch, dataloader_idx):
        self.events.append(f"before:{dataloader_idx}")
        return batch

    def on_test_batch_start(self, batch, batch_idx, dataloader_idx=0):
        self.events.append(f"batch_start:{dataloader_idx}:{batch_idx}:{len(batch[0])}")

    def on_test_batch_end(self, outputs, batch, batch_idx, dataloader_idx=0):
        self.events.append(f"batch_end:{dataloader_idx}:{batch_idx}:{outputs.item():.6f}")

    def on_test_epoch_end(self):
        self.events.append(f"epoch_end:{list(self.trainer.callback_metrics)}")
        self.log("batches_seen", float(len([e for e in self.events if e.startswith("batch_end")])))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.05)


def main():
    seed_everything(5)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(100, 4, generator=g)
    y = x[:, :1] * 2 + 0.1 * torch.randn(100, 1, generator=g)
    train = DataLoader(TensorDataset(x[:48], y[:48]), batch_size=8, shuffle=True)
    a = DataLoader(TensorDataset(x[48:68], y[48:68]), batch_size=6)  # 6, 6, 6, 2
    b = DataLoader(TensorDataset(x[68:100], y[68:100]), batch_size=5, shuffle=True)  # 7 batches
    model = Net()
    trainer = Trainer(max_epochs=2, limit_test_batches=5, logger=False, enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False, accelerator="cpu")
    trainer.fit(model, train_dataloaders=train)
    validated = trainer.validate(model, dataloaders=[b, a], verbose=False)
    for i, result in enumerate(validated):
        print("result validated", i, list(result), [repr(v) for v in result.values()])
    stdout, sys.stdout = sys.stdout, io.StringIO()  # the results table, to print it as "result" lines
    results = trainer.test(model, dataloaders=(a, b))
    table, sys.stdout = sys.stdout, stdout
    for line in table.getvalue().splitlines():
        print("result table", line)
    for i, result in enumerate(results):
        print("result returned", i, list(result), [repr(v) for v in result.values()])
    for key, value in trainer.callback_metrics.items():
        print("result callback", key, repr(value.item()))
    print("result events", model.events)
    print("result training", [m.training for m in model.modules()])
    print("result after", torch.rand(2).tolist())
    trainer.save_checkpoint("final.ckpt")


if __name__ == "__main__":
    main()
