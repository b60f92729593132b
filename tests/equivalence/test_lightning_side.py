"""Smoke test of the harness's Lightning side (no lgen involved)."""

import pytest

from equivalence import harness  # tests/ is on sys.path (tests/conftest.py)
from equivalence.cases import BY_NAME


@pytest.mark.slow
def test_run_lightning_baseline_writes_contract_checkpoint(tmp_path):
    torch = pytest.importorskip("torch")
    pytest.importorskip("lightning")
    case = BY_NAME["baseline"]
    ckpt = harness.run_lightning(case.model, case.cls, case.flags, case.seed, tmp_path)
    assert ckpt.exists()
    data = torch.load(ckpt, map_location="cpu", weights_only=False)
    for key in harness.CONTRACT_KEYS:
        assert key in data, key
    assert data["epoch"] == case.flags["max_epochs"] == 2
    assert data["global_step"] == 20  # 80 samples / batch 8 = 10 steps per epoch
    assert len(data["optimizer_states"]) == 1
    assert data["lr_schedulers"] == []
    assert set(data["state_dict"]) == {"net.0.weight", "net.0.bias", "net.3.weight", "net.3.bias"}
    # a run compared with itself has no mismatches
    assert harness.compare(ckpt, ckpt) == []
