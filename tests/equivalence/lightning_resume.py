"""Lightning's side of the resume tests, run in its own process (see tests/test_resume.py).

    lightning_resume.py MODEL.py CLASS SEED FLAGS_REPR OUT_DIR CHECKPOINT_KWARGS_REPR
        fits with ModelCheckpoint(dirpath=OUT_DIR, **CHECKPOINT_KWARGS), then writes
        OUT_DIR/end.ckpt with trainer.save_checkpoint() (a checkpoint written after the fit)
    lightning_resume.py MODEL.py CLASS SEED FLAGS_REPR OUT_CKPT --resume CKPT
        `trainer.fit(model, ckpt_path=CKPT)`, then trainer.save_checkpoint(OUT_CKPT)
    lightning_resume.py MODEL.py CLASS SEED FLAGS_REPR OUT_DIR --chain FIRST_EPOCHS
        fits to FIRST_EPOCHS and writes OUT_DIR/first.ckpt (trainer.save_checkpoint), then, as a
        new process would (seed_everything, a new model and Trainer), fits to FLAGS' max_epochs
        with `ckpt_path=first.ckpt` and writes OUT_DIR/resumed.ckpt: two runs, one import

Each checkpoint written after a resumed fit gets its callback_metrics next to it
(harness.METRICS_SUFFIX), as harness._lightning_main writes them. FLAGS may carry accelerator,
devices and strategy, and fp16_cpu_plugin=True (16-mixed's GradScaler path on CPU, as
tests/test_precision.py runs it): with devices > 1 Lightning's launcher re-runs this file once per extra
rank (the caller sets harness.distributed_env()).

FLAGS: Trainer keyword arguments (max_epochs, ...), on top of harness._lightning_main's
(CPU, deterministic, no logger or progress bar).
"""

import ast
import sys
from pathlib import Path


def main(argv: list[str]) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from harness import METRICS_SUFFIX, _exit_rank, _load_model_class, is_distributed

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
    )
    common.update(ast.literal_eval(flags))
    if common.pop("fp16_cpu_plugin", False):
        # the 16-mixed GradScaler path on CPU (see tests/test_precision.py): a fresh scaler each fit
        import torch
        from lightning.pytorch.plugins.precision import MixedPrecision

        plugin = lambda: MixedPrecision("16-mixed", "cpu", scaler=torch.amp.GradScaler("cpu"))  # noqa: E731
    else:
        plugin = None

    def trainer_of(**kwargs):
        if plugin is not None:
            kwargs["plugins"] = [plugin()]
        return Trainer(**kwargs)

    def save(trainer, path):
        import torch

        if trainer.is_global_zero:
            metrics = {k: v.detach().cpu() for k, v in trainer.callback_metrics.items()}
            torch.save(metrics, str(path) + METRICS_SUFFIX)
        trainer.save_checkpoint(str(path))

    if argv[5] == "--chain":
        first = Path(out) / "first.ckpt"
        launcher = trainer = trainer_of(enable_checkpointing=False, **{**common, "max_epochs": int(argv[6])})
        trainer.fit(model)
        save(trainer, first)
        seed_everything(int(seed))
        model = cls()
        trainer = trainer_of(enable_checkpointing=False, **common)
        trainer.fit(model, ckpt_path=str(first))
        save(trainer, Path(out) / "resumed.ckpt")
        if is_distributed(common):
            _exit_rank(launcher)  # rank 0 waits for the ranks its first Trainer started
        return
    if resume is None:
        kwargs = ast.literal_eval(argv[5])
        callback = ModelCheckpoint(dirpath=out, **kwargs)
        trainer = Trainer(callbacks=[callback], **common)
        trainer.fit(model)
        trainer.save_checkpoint(str(Path(out) / "end.ckpt"))
    else:
        trainer = Trainer(enable_checkpointing=False, **common)
        trainer.fit(model, ckpt_path=resume)
        save(trainer, out)


if __name__ == "__main__":
    main(sys.argv[1:])
