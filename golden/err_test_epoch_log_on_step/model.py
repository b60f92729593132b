"""`self.log(..., on_step=True)` in on_test_epoch_end, which `trainer.test` runs: Lightning raises."""

import lightning as L
import torch
from torch.utils.data import DataLoader


class Model(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Linear(3, 1)

    def training_step(self, batch, batch_idx):
        return self.a(batch).mean()

    def test_step(self, batch, batch_idx):
        self.log("t", self.a(batch).mean())

    def on_test_epoch_end(self):
        self.log("e", 1.0, on_step=True)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


def main():
    loader = DataLoader(torch.randn(8, 3), batch_size=4)
    model = Model()
    trainer = L.Trainer(max_epochs=1, logger=False, enable_checkpointing=False)
    trainer.fit(model, loader)
    trainer.test(model, loader)


if __name__ == "__main__":
    main()
