"""Definitions bound in top-level blocks (a library's model zoo): each block is carried whole,
with the flag it tests; the relative import inside one is made absolute (left relative, it
would fail in the script and the `except` branch would run instead)."""

import torch

from pkg.utils import _NN_FUNCTIONAL_AVAILABLE

try:
    from .extra import GELU_SCALE
except ImportError:  # pragma: no cover
    GELU_SCALE = 1.0

if _NN_FUNCTIONAL_AVAILABLE:
    import torch.nn.functional as F

    ACTIVATIONS = {"tanh": torch.tanh, "gelu": lambda x: GELU_SCALE * F.gelu(x)}
else:  # pragma: no cover
    ACTIVATIONS = {"tanh": torch.tanh, "gelu": torch.tanh}
