"""The optional API for training loops the probe cannot read by itself (docs/pytorch.md, "The optional API"):

    from neural_debugger_probe import epoch, log

    log(val_loss=0.31, val_accuracy=0.9)  # metrics of the epoch in progress (val_* are validation metrics)
    epoch()                               # the epoch ends here

Under Neural Debugger these talk to the probe that runs the script; in a plain
`python train.py` (the package on PYTHONPATH, no probe) they do nothing, so the
script runs the same either way. Imports nothing heavy (no torch)."""

# The probe running this process's script; set by `python -m neural_debugger_probe`, None otherwise.
_active_probe = None


def epoch():
    """Ends the epoch in progress here (when a step ran since the last end). From the first call on, epochs are
    these calls only: DataLoader passes no longer end epochs."""
    probe = _active_probe
    if probe is None:
        return
    probe.explicit_epochs = True
    probe.end_epoch()


def log(**metrics):
    """Records metrics of the epoch in progress (or of the one that just ended, until the next update):
    `val_loss` is its validation loss, `val_NAME` a validation metric, `loss` replaces its mean training loss,
    any other NAME a training metric. Values are numbers or one-element tensors; the last value of a name wins."""
    numbers = {}
    for name, value in metrics.items():
        try:
            numbers[name] = float(value.item() if hasattr(value, "item") else value)
        except (TypeError, ValueError):
            raise TypeError(f"neural_debugger_probe.log({name}=...): a number or a one-element tensor is needed, got {type(value).__name__}") from None
    probe = _active_probe
    if probe is not None:
        probe.logged.update(numbers)
