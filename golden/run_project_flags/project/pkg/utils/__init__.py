"""Availability flags, next to a re-export of a Lightning callback: the model needs only some of
them, and lgen carries exactly those (with what they use) into the script."""

import operator

from lightning_utilities.core.imports import compare_version, module_available, package_available

from pkg.callbacks.printer import EpochPrinter

_TORCH_GREATER_EQUAL_1_10 = compare_version("torch", operator.ge, "1.10.0")
_TORCH_LESS_THAN_1_0 = compare_version("torch", operator.lt, "1.0.0", use_base_version=True)
_YAML_AVAILABLE: bool = module_available("yaml")
_NN_FUNCTIONAL_AVAILABLE = module_available("torch.nn.functional")
_NO_SUCH_AVAILABLE = package_available("lgen_no_such_package") or module_available("lgen_no_such_package.sub")
_GYM_AVAILABLE = module_available("gym")  # not used by the model: not carried

_SCALE = 1.0
if _YAML_AVAILABLE and not _TORCH_LESS_THAN_1_0:
    _SCALE = 1.5

__all__ = ["EpochPrinter"]
