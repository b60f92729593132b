import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", help="rewrite golden/*/train.py and stderr.txt from the current lgen")


@pytest.fixture
def update_golden(request):
    return request.config.getoption("--update-golden")


# Modules with the longest single tests (the zygote's fresh-process runs, the hypothesis runs) go
# first: under `pytest -n 2` a 10-20 s test that starts last leaves the other worker idle until
# it ends. Each module stays in one piece (module-scoped fixtures), in its usual order.
RUN_FIRST = ("test_fuzz.py", "test_zygote.py")


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: item.path.name not in RUN_FIRST)
    try:
        import torch

        has_cuda = torch.cuda.is_available()
    except ImportError:
        has_cuda = False
    if not has_cuda:
        skip = pytest.mark.skip(reason="needs a CUDA device")
        for item in items:
            if "gpu" in item.keywords:
                item.add_marker(skip)


os.environ.setdefault("OMP_NUM_THREADS", "1")
