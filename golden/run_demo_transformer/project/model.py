"""Lightning's LightningTransformer demo as the lightning package ships it (lgen carries the demo's
source), trained on WikiText2 from a small local file (data/wikitext-2.txt: nothing downloads),
with Lightning's default logger and checkpoint files."""

import lightning as L
from lightning.pytorch.demos import LightningTransformer

if __name__ == "__main__":
    L.seed_everything(0)
    model = LightningTransformer(vocab_size=64)
    trainer = L.Trainer(max_epochs=2, limit_train_batches=6, log_every_n_steps=2, accelerator="cpu", enable_progress_bar=False)
    trainer.fit(model)
    print("result", trainer.global_step, trainer.current_epoch)
