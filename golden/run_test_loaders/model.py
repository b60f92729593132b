"""A run: `trainer.test(model, dataloaders=...)` after fit. Dropout and batchnorm show whether the
test ran in eval mode, test_step logs means over uneven batches (and a max, and a step-and-epoch
value), hooks record their order, and a shuffled loader after the test shows the RNG draws."""

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from torch.utils.data import DataLoader, TensorDataset


class Net(LightningModule):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.BatchNorm1d(8), torch.nn.ReLU(), torch.nn.Dropout(0.3), torch.nn.Linear(8, 1))
        self.events = []

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self(x), y)
        self.log("train_loss", loss)
        return loss

    def test_step(self, batch, batch_idx):
        x, y = batch
        out = self(x)
        loss = torch.nn.functional.mse_loss(out, y)
        self.log("test_loss", loss)
        self.log("test_max", out.max(), reduce_fx="max")
        self.log("test_both", loss * 2, on_step=True, on_epoch=True)
        self.log("grad_off", float(torch.is_inference_mode_enabled()))
        return loss

    def setup(self, stage):
        self.events.append("setup:" + next(s for s in ("fit", "validate", "test", "predict") if stage == s))

    def teardown(self, stage):
        self.events.append("teardown:" + next(s for s in ("fit", "validate", "test", "predict") if stage == s))

    def on_test_start(self):
        self.events.append(f"test_start:{self.training}")

    def on_test_epoch_start(self):
        self.events.append("test_epoch_start")

    def on_test_batch_start(self, batch, batch_idx):
        self.events.append(f"batch_start:{batch_idx}:{len(batch[0])}")

    def on_test_batch_end(self, outputs, batch, batch_idx):
        self.events.append(f"batch_end:{batch_idx}:{outputs.item():.6f}")

    def on_test_epoch_end(self):
        self.events.append(f"epoch_end:{sorted(self.trainer.callback_metrics)}")
        self.log("batches_seen", float(len([e for e in self.events if e.startswith("batch_end")])))

    def on_test_end(self):
        self.events.append("test_end")

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.05)


def main():
    seed_everything(11)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(84, 4, generator=g)
    y = x[:, :1] * 2 + 0.1 * torch.randn(84, 1, generator=g)
    train = DataLoader(TensorDataset(x[:64], y[:64]), batch_size=8, shuffle=True)
    test = DataLoader(TensorDataset(x[64:], y[64:]), batch_size=6)  # 6, 6, 6, 2
    model = Net()
    trainer = Trainer(max_epochs=2, logger=False, enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False, accelerator="cpu")
    trainer.fit(model, train_dataloaders=train)
    results = trainer.test(model, dataloaders=test, verbose=False)
    for i, result in enumerate(results):
        print("result returned", i, list(result), [repr(v) for v in result.values()])
    for key, value in sorted(trainer.callback_metrics.items()):
        print("result callback", key, repr(value.item()))
    print("result events", model.events)
    print("result training", [m.training for m in model.modules()])
    print("result after", next(iter(train))[0][0].tolist(), torch.rand(2).tolist())
    trainer.save_checkpoint("final.ckpt")


if __name__ == "__main__":
    main()
