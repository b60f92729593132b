"""The tutorials' pattern: a run function that loads a saved model when its checkpoint exists,
else fits; called twice, the second call loads what the first saved (the script's
`load_from_checkpoint`, the model's class known from both branches)."""

import os

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from torch.utils.data import DataLoader, TensorDataset


class Regressor(LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return torch.nn.functional.mse_loss(self.layer(x), y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


def train_model(name):
    data = DataLoader(TensorDataset(torch.randn(8, 4), torch.randn(8, 1)), batch_size=4)
    trainer = Trainer(max_epochs=1, default_root_dir=os.path.join("ck", name))
    p = os.path.join("ck", name + ".ckpt")
    if os.path.isfile(p):
        model = Regressor.load_from_checkpoint(p)
    else:
        model = Regressor()
        trainer.fit(model, data)
        trainer.save_checkpoint(p)
    return model


if __name__ == "__main__":
    seed_everything(7)
    first = train_model("a")
    second = train_model("a")
    for (key, a), b in zip(first.state_dict().items(), second.state_dict().values()):
        print("result", key, a.flatten().tolist(), torch.equal(a, b), b.requires_grad, second.training)
