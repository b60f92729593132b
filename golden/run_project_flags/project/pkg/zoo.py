"""Definitions bound in a top-level block guarded by a flag (a library's model zoo): the block is
carried whole, with the flag it tests."""

import torch

from pkg.utils import _NN_FUNCTIONAL_AVAILABLE

if _NN_FUNCTIONAL_AVAILABLE:
    import torch.nn.functional as F

    ACTIVATIONS = {"tanh": torch.tanh, "gelu": F.gelu}
else:  # pragma: no cover
    ACTIVATIONS = {"tanh": torch.tanh, "gelu": torch.tanh}
