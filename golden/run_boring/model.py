"""A run on Lightning's demos: a BoringModel subclass fit and tested on BoringDataModule, both
imported through lightning.pytorch.demos (re-exported by its __init__.py); lgen carries them."""

import lightning as L
from lightning.pytorch.demos import BoringDataModule, BoringModel


class Model(BoringModel):
    def training_step(self, batch, batch_idx):
        out = super().training_step(batch, batch_idx)
        self.log("train_loss", out["loss"])
        return out

    def validation_step(self, batch, batch_idx):
        out = super().validation_step(batch, batch_idx)
        self.log("val_loss", out["x"])

    def test_step(self, batch, batch_idx):
        self.log("test_loss", self.step(batch))


if __name__ == "__main__":
    L.seed_everything(3)
    model = Model()
    dm = BoringDataModule()
    trainer = L.Trainer(max_epochs=2, limit_train_batches=16, limit_val_batches=4, logger=False, enable_checkpointing=False, enable_progress_bar=False, accelerator="cpu")
    trainer.fit(model, datamodule=dm)
    print("result", trainer.callback_metrics["val_loss"].item(), trainer.global_step)
    result = trainer.test(model, datamodule=dm, verbose=False)
    print("result test", result)
    trainer.save_checkpoint("final.ckpt")
