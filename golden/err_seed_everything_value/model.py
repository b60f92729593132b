"""Lightning's `seed_everything` whose returned seed is used: the script's plain
`seed_everything` is a statement, so lgen refuses it, located."""

import lightning as L
import torch


class LitSeeded(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(4, 1)

    def on_train_epoch_start(self):
        self.seed = L.seed_everything(self.current_epoch)

    def training_step(self, batch, batch_idx):
        return self.layer(batch).sum()

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)
