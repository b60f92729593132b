"""Trainer(min_epochs=4) with an EarlyStopping that asks to stop at the end of epoch 1: Lightning
trains on until four epochs are done (EarlyStopping still evaluated each epoch), then stops."""

import lightning as L
import torch
from lightning.pytorch.callbacks import EarlyStopping
from torch.utils.data import DataLoader, TensorDataset


class Flat(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Linear(3, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.net(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        # a metric that never improves: EarlyStopping(patience=1) asks to stop after epoch 1
        self.log("flat", torch.tensor(1.0))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.05)


if __name__ == "__main__":
    L.seed_everything(2)
    x = torch.randn(48, 3)
    data = TensorDataset(x, x.sum(1, keepdim=True))
    trainer = L.Trainer(max_epochs=10, min_epochs=4, log_every_n_steps=2, callbacks=[EarlyStopping("flat", patience=1)])
    trainer.fit(Flat(), DataLoader(data, batch_size=12, shuffle=True), DataLoader(data, batch_size=24))
    print("result", trainer.current_epoch, trainer.global_step, trainer.should_stop)
