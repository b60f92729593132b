"""A run whose package imports Lightning in its `__init__.py`: every name the script takes from
it (a helper function, an nn.Module helper class, constants, a helper importing another helper,
the attributes used of a module object) is carried into the script; a plain module outside the
package stays an import."""

import argparse

import lightning as L
import torch
from torch.utils.data import DataLoader, TensorDataset

from helpers.plain import jitter
from pkg import consts
from pkg.layers import SCALE as FACTOR
from pkg.layers import make_net
from pkg.models import Regressor


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=0.05)
    args = parser.parse_args()
    L.seed_everything(5)
    x = torch.randn(64, 4)
    y = jitter(x.sum(1, keepdim=True))
    train = DataLoader(TensorDataset(x[:48], y[:48]), batch_size=8, shuffle=True)
    val = DataLoader(TensorDataset(x[48:], y[48:]), batch_size=16)
    model = Regressor(lr=args.lr)
    model.head = make_net(consts.HIDDEN // 2)
    with torch.no_grad():
        model.head[0].weight.mul_(FACTOR)
    trainer = L.Trainer(max_epochs=2, logger=False, enable_checkpointing=False, enable_progress_bar=False, accelerator="cpu")
    trainer.fit(model, train, val)
    print("result val_loss", trainer.callback_metrics["val_loss"].item(), trainer.global_step)
    trainer.save_checkpoint("final.ckpt")


if __name__ == "__main__":
    main()
