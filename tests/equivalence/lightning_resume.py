"""Lightning's side of the resume tests, run in its own process (see tests/test_resume.py).

    lightning_resume.py MODEL.py CLASS SEED FLAGS_REPR OUT_DIR CHECKPOINT_KWARGS_REPR
        fits with ModelCheckpoint(dirpath=OUT_DIR, **CHECKPOINT_KWARGS), then writes
        OUT_DIR/end.ckpt with trainer.save_checkpoint() (a checkpoint written after the fit)
    lightning_resume.py MODEL.py CLASS SEED FLAGS_REPR OUT_CKPT --resume CKPT
        `trainer.fit(model, ckpt_path=CKPT)`, then trainer.save_checkpoint(OUT_CKPT)

FLAGS: Trainer keyword arguments (max_epochs, ...), on top of harness._lightning_main's
(CPU, deterministic, no logger or progress bar).
"""

import ast
import sys
from pathlib import Path


def main(argv: list[str]) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from harness import _load_model_class

    from lightning.pytorch import Trainer, seed_everything
    from lightning.pytorch.callbacks import ModelCheckpoint

    model_path, class_name, seed, flags, out = argv[:5]
    resume = argv[6] if argv[5] == "--resume" else None
    cls = _load_model_class(model_path, class_name)
    seed_everything(int(seed))
    model = cls()
    common = dict(
        accelerator="cpu",
        devices=1,
        deterministic=True,
        logger=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        **ast.literal_eval(flags),
    )
    if resume is None:
        kwargs = ast.literal_eval(argv[5])
        callback = ModelCheckpoint(dirpath=out, **kwargs)
        trainer = Trainer(callbacks=[callback], **common)
        trainer.fit(model)
        trainer.save_checkpoint(str(Path(out) / "end.ckpt"))
    else:
        trainer = Trainer(enable_checkpointing=False, **common)
        trainer.fit(model, ckpt_path=resume)
        trainer.save_checkpoint(out)


if __name__ == "__main__":
    main(sys.argv[1:])
