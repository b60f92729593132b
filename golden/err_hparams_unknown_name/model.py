"""`save_hyperparameters("lr", "dropout")` names an argument `ignore=` drops: Lightning raises
KeyError when the model is made, so lgen refuses, located."""

import lightning as L
import torch


class LitNamed(L.LightningModule):
    def __init__(self, lr=0.1, dropout=0.2):
        super().__init__()
        self.save_hyperparameters("lr", "dropout", ignore="dropout")
        self.layer = torch.nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        return self.layer(batch).sum()

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)
