"""Fit the wave regressor (the two best checkpoints kept, stopping early when validation stalls),
then test its best checkpoint: `python train.py [--lr 0.01]`."""

import argparse
import os

import lightning as L
from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint

from data import WaveDataModule
from model import WaveRegressor


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lr", type=float, default=0.01)
    args = parser.parse_args()

    L.seed_everything(42, workers=True)
    datamodule = WaveDataModule(batch_size=32)
    model = WaveRegressor(lr=args.lr)
    trainer = L.Trainer(
        max_epochs=12,
        gradient_clip_val=1.0,
        log_every_n_steps=10,
        accelerator="cpu",
        callbacks=[
            ModelCheckpoint(monitor="val_loss", save_top_k=2, filename="{epoch}-{val_loss:.3f}"),
            EarlyStopping(monitor="val_loss", patience=2),
        ],
    )
    trainer.fit(model, datamodule=datamodule)
    results = trainer.test(model, datamodule=datamodule, ckpt_path="best", verbose=False)
    for result in results:
        for name, value in result.items():
            print(f"result {name} {value:.6f}")
    print("result best", os.path.relpath(trainer.checkpoint_callback.best_model_path))


if __name__ == "__main__":
    main()
