"""Neural Debugger's probe for PyTorch scripts: `python -m neural_debugger_probe SCRIPT ARGS...` (docs/pytorch.md)."""
