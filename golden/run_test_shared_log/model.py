"""A run: a helper logs for training_step (on_step defaults) and test_step (on_epoch defaults, so
the script decides by the running loop), under bf16-mixed, with a batch transfer hook."""

import lightning as L
import torch
from torch.utils.data import DataLoader


class Model(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Linear(3, 1)

    def _shared(self, batch, name):
        loss = self.a(batch).pow(2).mean()
        self.log(name, loss)
        return loss

    def training_step(self, batch, batch_idx):
        return self._shared(batch, "train")

    def test_step(self, batch, batch_idx):
        self._shared(batch, "test")

    def on_before_batch_transfer(self, batch, dataloader_idx):
        return batch * 2 + dataloader_idx

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


if __name__ == "__main__":
    L.seed_everything(0)
    model = Model()
    loader = DataLoader(torch.randn(10, 3), batch_size=4)
    trainer = L.Trainer(max_epochs=1, precision="bf16-mixed", logger=False, enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False, accelerator="cpu")
    trainer.fit(model, loader)
    print("result", trainer.test(model, loader, verbose=False))
    print("result", {k: v.item() for k, v in trainer.callback_metrics.items()})
    trainer.save_checkpoint("a.ckpt")
