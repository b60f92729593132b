"""Fit the wave regressor, then test its best checkpoint: `python train.py [--lr 0.01]`."""

import argparse

import lightning as L

from data import WaveDataModule
from model import WaveRegressor


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lr", type=float, default=0.01)
    args = parser.parse_args()

    L.seed_everything(42, workers=True)
    datamodule = WaveDataModule(batch_size=32)
    model = WaveRegressor(lr=args.lr)
    trainer = L.Trainer(max_epochs=6, gradient_clip_val=1.0, log_every_n_steps=10, accelerator="cpu")
    trainer.fit(model, datamodule=datamodule)
    results = trainer.test(model, datamodule=datamodule, ckpt_path="best", verbose=False)
    for result in results:
        for name, value in result.items():
            print(f"result {name} {value:.6f}")


if __name__ == "__main__":
    main()
