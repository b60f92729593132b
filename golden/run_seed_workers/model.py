"""A run seeded with `seed_everything(..., workers=True)` whose loader draws random
augmentation inside two worker processes: Lightning seeds each worker with its own
`worker_init_fn`, so the noise (and every weight) shows whether the script does the same."""

import lightning as L
import torch
from torch.utils.data import DataLoader, Dataset


class NoisyData(Dataset):
    def __init__(self):
        g = torch.Generator().manual_seed(5)
        self.x = torch.randn(48, 3, generator=g)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        x = self.x[i] + 0.5 * torch.randn(3)  # drawn in the worker, from its torch seed
        return x, x.sum(0, keepdim=True)


class Net(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(3, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.lin(x), y)
        self.log("loss", loss, on_step=False, on_epoch=True)
        return loss

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


def main():
    L.seed_everything(21, workers=True)
    loader = DataLoader(NoisyData(), batch_size=8, shuffle=True, num_workers=2)
    model = Net()
    trainer = L.Trainer(max_epochs=2, logger=False, enable_checkpointing=False, enable_progress_bar=False, accelerator="cpu")
    trainer.fit(model, train_dataloaders=loader)
    print("result loss", trainer.callback_metrics["loss"].item())
    trainer.save_checkpoint("final.ckpt")


if __name__ == "__main__":
    main()
