"""Trainer(inference_mode=False, benchmark=True): test and predict run under no_grad, so a step may
take input gradients under `torch.enable_grad()` (under inference mode it could not), and cudnn's
benchmark flag is set when the Trainer is made."""

import lightning as L
import torch
from torch.utils.data import DataLoader, TensorDataset


class Saliency(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.net(x), y)
        self.log("train_loss", loss)
        return loss

    def _saliency(self, x):
        with torch.enable_grad():
            x = x.clone().requires_grad_(True)
            (grad,) = torch.autograd.grad(self.net(x).sum(), x)
        return grad

    def test_step(self, batch, batch_idx):
        x, y = batch
        self.log("test_loss", torch.nn.functional.mse_loss(self.net(x), y))
        self.log("saliency", self._saliency(x).abs().mean())
        self.log("inference_mode", float(torch.is_inference_mode_enabled()))

    def predict_step(self, batch, batch_idx):
        return self._saliency(batch[0])

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


if __name__ == "__main__":
    L.seed_everything(4)
    x = torch.randn(64, 5)
    data = TensorDataset(x, x[:, :2].sum(1, keepdim=True))
    model = Saliency()
    trainer = L.Trainer(max_epochs=2, inference_mode=False, benchmark=True, logger=False, enable_checkpointing=False)
    print("result benchmark", torch.backends.cudnn.benchmark)
    trainer.fit(model, DataLoader(data, batch_size=16, shuffle=True))
    print("result test", trainer.test(model, DataLoader(data, batch_size=32)))
    grads = trainer.predict(model, DataLoader(data, batch_size=32))
    print("result predict", [g.abs().sum().item() for g in grads])
    torch.save(model.state_dict(), "weights.pt")
