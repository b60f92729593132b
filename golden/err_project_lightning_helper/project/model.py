"""The entry imports a helper of a package whose __init__.py imports Lightning: lgen carries
such a helper into the script, but this one uses Lightning itself (LGEN128)."""

import lightning as L
import torch
from torch.utils.data import DataLoader, TensorDataset

from pkg import Regressor
from pkg.layers import make_net


def main():
    x = torch.randn(32, 4)
    loader = DataLoader(TensorDataset(x, x.sum(1, keepdim=True)), batch_size=8)
    model = Regressor()
    model.head = make_net(4)
    trainer = L.Trainer(max_epochs=1, logger=False, enable_checkpointing=False)
    trainer.fit(model, loader)


if __name__ == "__main__":
    main()
