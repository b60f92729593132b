"""A plain module (it imports no Lightning): the script imports it."""

GELU_SCALE = 1.25
