"""A GAN-like run under manual optimization with Lightning's default logger and ModelCheckpoint:
the discriminator steps every batch, the generator every other batch, so the global step
(every optimizer's `step()`, the checkpoint's `step=` and `global_step`) runs ahead of the
batches, which give metrics.csv its `step` column and `log_every_n_steps` its rhythm. A
scheduler stepped by hand, on_step and on_epoch values, validation, uneven batches."""

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from torch.utils.data import DataLoader, TensorDataset


class TinyGAN(LightningModule):
    def __init__(self):
        super().__init__()
        self.generator = torch.nn.Linear(2, 4)
        self.discriminator = torch.nn.Linear(4, 1)
        self.automatic_optimization = False

    def training_step(self, batch, batch_idx):
        g_opt, d_opt = self.optimizers()
        (real,) = batch
        fake = self.generator(torch.randn(real.shape[0], 2))
        d_loss = torch.nn.functional.softplus(-self.discriminator(real)).mean()
        d_loss = d_loss + torch.nn.functional.softplus(self.discriminator(fake.detach())).mean()
        d_opt.zero_grad()
        self.manual_backward(d_loss)
        d_opt.step()
        self.log("d_loss", d_loss, on_step=True, on_epoch=True)
        if batch_idx % 2 == 0:
            g_loss = torch.nn.functional.softplus(-self.discriminator(fake)).mean()
            g_opt.zero_grad()
            self.manual_backward(g_loss)
            g_opt.step()
            self.log("g_loss", g_loss)
        if self.trainer.is_last_batch:
            self.lr_schedulers().step()

    def validation_step(self, batch, batch_idx):
        (real,) = batch
        self.log("val_score", self.discriminator(real).mean())

    def configure_optimizers(self):
        g_opt = torch.optim.Adam(self.generator.parameters(), lr=0.01)
        d_opt = torch.optim.SGD(self.discriminator.parameters(), lr=0.05, momentum=0.9)
        return [g_opt, d_opt], [torch.optim.lr_scheduler.StepLR(d_opt, 1, 0.5)]


def main():
    seed_everything(11)
    data = torch.randn(23, 4) * 0.5 + 1.0
    train = DataLoader(TensorDataset(data), batch_size=5, shuffle=True)
    val = DataLoader(TensorDataset(data[:9]), batch_size=4)
    trainer = Trainer(max_epochs=3, log_every_n_steps=2, enable_progress_bar=False, enable_model_summary=False)
    model = TinyGAN()
    trainer.fit(model, train, val)
    for key, value in sorted(trainer.callback_metrics.items()):
        print("result", key, value.item())
    print("result steps", trainer.global_step, trainer.current_epoch)
    trainer.save_checkpoint("final.ckpt")


if __name__ == "__main__":
    main()
