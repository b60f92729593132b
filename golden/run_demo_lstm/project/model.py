"""Lightning's LightningLSTM demo as the lightning package ships it (lgen carries the demo's
source, and the WikiText2 it takes from the transformer demo), trained on a small local file
(data/wikitext-2.txt: nothing downloads): its hidden state carried across batches and reset in
on_train_epoch_end, its train_loss logged every step."""

import lightning as L
from lightning.pytorch.demos import LightningLSTM

if __name__ == "__main__":
    L.seed_everything(0)
    model = LightningLSTM(vocab_size=64)
    trainer = L.Trainer(max_epochs=2, log_every_n_steps=1, accelerator="cpu", enable_progress_bar=False)
    trainer.fit(model)
    print("result", trainer.global_step, trainer.callback_metrics["train_loss"].item())
