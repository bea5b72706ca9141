"""Neural Debugger's probe for PyTorch scripts: `python -m neural_debugger_probe SCRIPT ARGS...` (docs/pytorch.md),
and the optional API a script may import: `from neural_debugger_probe import epoch, log` (no-ops outside Neural Debugger)."""

from .api import epoch, log

__all__ = ["epoch", "log"]
