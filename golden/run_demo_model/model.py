"""Lightning's DemoModel and BoringDataModule demos as the lightning package ships them (lgen
carries their source), with Lightning's default logger and checkpoint files; then test and
predict on the datamodule's loaders."""

import lightning as L
from lightning.pytorch.demos.boring_classes import BoringDataModule, DemoModel

if __name__ == "__main__":
    L.seed_everything(5)
    model = DemoModel(out_dim=4, learning_rate=0.05)
    datamodule = BoringDataModule()
    trainer = L.Trainer(max_epochs=3, limit_train_batches=10, limit_val_batches=3, log_every_n_steps=4, accelerator="cpu", enable_progress_bar=False)
    trainer.fit(model, datamodule=datamodule)
    print("result", trainer.global_step, model.l1.weight.sum().item())
    predictions = trainer.predict(model, datamodule=datamodule)
    print("result predictions", len(predictions), predictions[0].sum().item())
