"""`predict` given several loaders, but `predict_step` takes no `dataloader_idx`: Lightning raises."""

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from torch.utils.data import DataLoader, TensorDataset


class Net(LightningModule):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(3, 6), torch.nn.Dropout(0.2), torch.nn.Linear(6, 1))
        self.events = []

    def training_step(self, batch, batch_idx):
        x, y = batch
        return torch.nn.functional.mse_loss(self.net(x), y)

    def predict_step(self, batch, batch_idx):
        return self.net(batch[0])

    def on_predict_batch_start(self, batch, batch_idx, dataloader_idx=0):
        self.events.append(f"start:{dataloader_idx}:{batch_idx}:{len(batch[0])}")

    def on_predict_batch_end(self, outputs, batch, batch_idx, dataloader_idx=0):
        self.events.append(f"end:{dataloader_idx}:{batch_idx}:{outputs.sum().item():.6f}")

    def on_predict_epoch_end(self):
        self.events.append(f"epoch_end:{self.training}")

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.05)


def main():
    seed_everything(7)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(60, 3, generator=g)
    y = x.sum(1, keepdim=True)
    train = DataLoader(TensorDataset(x[:40], y[:40]), batch_size=8, shuffle=True)
    first = DataLoader(TensorDataset(x[40:50]), batch_size=4)  # 4, 4, 2
    second = DataLoader(TensorDataset(x[50:]), batch_size=3, shuffle=True)  # 3, 3, 3, 1: limited to 3
    model = Net()
    trainer = Trainer(max_epochs=2, limit_predict_batches=3, logger=False, enable_checkpointing=False, enable_progress_bar=False, accelerator="cpu")
    trainer.fit(model, train_dataloaders=train)
    predictions = trainer.predict(model, dataloaders=[first, second])
    print("result shape", [len(p) for p in predictions])
    for i, per_loader in enumerate(predictions):
        print("result loader", i, [[round(v, 6) for v in t.flatten().tolist()] for t in per_loader])
    print("result events", model.events)
    print("result after", [round(v, 6) for v in torch.randn(3).tolist()])  # the RNG after both loaders
    trainer.save_checkpoint("final.ckpt")


if __name__ == "__main__":
    main()
