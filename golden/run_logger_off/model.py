"""`logger=False`: `self.logger` is None and `trainer.loggers` empty, as the model and the entry
test; `trainer.log_dir` is then the default root folder. The run writes no logger files; the
default checkpoint goes to `default_root_dir`/checkpoints."""

import os

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from torch.utils.data import DataLoader, TensorDataset


class Regressor(LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(4, 1)
        self.scale = 1.0

    def on_train_start(self):
        if self.logger is None:
            self.scale = 0.5  # the difference shows in the weights

    def training_step(self, batch, batch_idx):
        x, y = batch
        return self.scale * torch.nn.functional.mse_loss(self.layer(x), y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


if __name__ == "__main__":
    seed_everything(1)
    data = DataLoader(TensorDataset(torch.randn(8, 4), torch.randn(8, 1)), batch_size=4)
    trainer = Trainer(max_epochs=2, logger=False, enable_progress_bar=False, enable_model_summary=False)
    model = Regressor()
    trainer.fit(model, data)
    print("result", trainer.logger, trainer.loggers, trainer.log_dir == os.getcwd(), model.scale)
    print("result weight", model.layer.weight.sum().item())
