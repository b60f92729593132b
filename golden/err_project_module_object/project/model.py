"""The entry uses a module object of a package whose __init__.py imports Lightning other than by
reading its attributes (`layers.f`): lgen carries definitions, not modules (LGEN128, which says
to import the names by name)."""

import lightning as L
import torch
from torch.utils.data import DataLoader, TensorDataset

from pkg import Regressor
from pkg import layers


def main():
    x = torch.randn(32, 4)
    loader = DataLoader(TensorDataset(x, x.sum(1, keepdim=True)), batch_size=8)
    model = Regressor()
    model.head = getattr(layers, "make_net")(4)
    trainer = L.Trainer(max_epochs=1, logger=False, enable_checkpointing=False)
    trainer.fit(model, loader)


if __name__ == "__main__":
    main()
