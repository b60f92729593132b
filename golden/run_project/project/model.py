"""A run whose model and datamodule come from the project's own package: the model from
pkg/models.py (absolute import; it imports a helper module relatively), the datamodule
re-exported by pkg/data/__init__.py."""

import argparse

import lightning as L

from pkg.data import Data
from pkg.models import Regressor


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=0.05)
    args = parser.parse_args()
    L.seed_everything(7)
    model = Regressor(lr=args.lr)
    dm = Data(batch_size=8)
    trainer = L.Trainer(max_epochs=3, gradient_clip_val=0.5, logger=False, enable_checkpointing=False, enable_progress_bar=False, accelerator="cpu")
    trainer.fit(model, datamodule=dm)
    print("result val_loss", trainer.callback_metrics["val_loss"].item(), trainer.current_epoch, trainer.global_step)
    trainer.save_checkpoint("final.ckpt")


if __name__ == "__main__":
    main()
