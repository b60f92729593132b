"""A module-level run: a datamodule passed positionally to fit, bf16-mixed on CPU, accumulation,
limit_train_batches=0.5, validation every 2 epochs, a metric logged on step and epoch, and
callback_metrics printed whole (key order included)."""
import lightning.pytorch as pl
import torch
from torch.utils.data import DataLoader, TensorDataset


class DM(pl.LightningDataModule):
    def __init__(self):
        super().__init__()
        self.bs = 4

    def setup(self, stage):
        x = torch.randn(70, 3)
        self.tr = TensorDataset(x[:50], x[:50].pow(2).sum(1))
        self.va = TensorDataset(x[50:], x[50:].pow(2).sum(1))

    def train_dataloader(self):
        return DataLoader(self.tr, batch_size=self.bs, shuffle=True, drop_last=True)

    def val_dataloader(self):
        return DataLoader(self.va, batch_size=6)


class Reg(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.w = torch.nn.Linear(3, 1)
        self.drop = torch.nn.Dropout(0.1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = ((self.w(self.drop(x)).squeeze(1) - y) ** 2).mean()
        self.log("train/loss", loss, on_step=True, on_epoch=True, prog_bar=True)
        return {"loss": loss, "extra": loss.detach()}

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val/loss", ((self.w(x).squeeze(1) - y) ** 2).mean())

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=0.05)


pl.seed_everything(5)
dm = DM()
model = Reg()
trainer = pl.Trainer(max_epochs=5, precision="bf16-mixed", accumulate_grad_batches=2, limit_train_batches=0.5, check_val_every_n_epoch=2, logger=False, enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False)
trainer.fit(model, dm)
print("result", trainer.callback_metrics)
trainer.save_checkpoint("bf16.ckpt")
