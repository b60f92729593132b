"""`trainer.predict(..., return_predictions=False)` after fit: Lightning runs every batch (the
model's on_predict_batch_end sees each output) but keeps nothing and returns None; the same
call without it returns the list."""

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from torch.utils.data import DataLoader, TensorDataset


class Regressor(LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(3, 1)
        self.seen = []

    def training_step(self, batch, batch_idx):
        x, y = batch
        return torch.nn.functional.mse_loss(self.layer(x), y)

    def predict_step(self, batch, batch_idx):
        return self.layer(batch[0])

    def on_predict_batch_end(self, outputs, batch, batch_idx, dataloader_idx=0):
        self.seen.append(outputs.sum().item())

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


if __name__ == "__main__":
    seed_everything(11)
    x = torch.randn(24, 3)
    data = DataLoader(TensorDataset(x, x.sum(1, keepdim=True)), batch_size=6)
    model = Regressor()
    trainer = Trainer(max_epochs=2, logger=False, enable_checkpointing=False, enable_progress_bar=False, accelerator="cpu")
    trainer.fit(model, data)
    dropped = trainer.predict(model, dataloaders=data, return_predictions=False)
    kept = trainer.predict(model, dataloaders=data, return_predictions=True)
    print("result", dropped, len(kept), [p.sum().item() for p in kept], model.seen)
    trainer.save_checkpoint("final.ckpt")
