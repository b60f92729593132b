"""EarlyStopping alone, with the logger and checkpointing off: it watches a training metric
logged per epoch (no validation) and stops when it diverges; the state it ends with is in the
checkpoint saved after fit."""

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from lightning.pytorch.callbacks import EarlyStopping
from torch.utils.data import DataLoader, TensorDataset


class Climber(LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(2, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.layer(x), y)
        # a monitored value that dips, then climbs past the divergence threshold
        drift = torch.tensor([0.5, 0.2, 0.4, 1.0, 3.0, 6.0, 9.0, 12.0])[self.current_epoch]
        self.log("watch", loss + drift, on_step=False, on_epoch=True)
        return loss

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


if __name__ == "__main__":
    seed_everything(4)
    x = torch.randn(12, 2)
    train = DataLoader(TensorDataset(x, x.sum(dim=1, keepdim=True)), batch_size=4, shuffle=True)
    stopper = EarlyStopping("watch", patience=10, divergence_threshold=2.5, strict=False)
    trainer = Trainer(
        max_epochs=8,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=[stopper],
    )
    model = Climber()
    trainer.fit(model, train)
    print("result", trainer.current_epoch, trainer.global_step, trainer.should_stop)
    print("result", stopper.stopped_epoch, stopper.wait_count, stopper.best_score.item(), stopper.stopping_reason_message)
    trainer.save_checkpoint("final.ckpt")
