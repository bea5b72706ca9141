"""What an epoch is and what it reports (docs/pytorch.md, "What a step and an epoch are", "Validation metrics").

An epoch ends with one full pass over the DataLoader the steps drew from (or
where the script calls `epoch()`). It is reported before the next update (or
at the script's end), so that the validation passes the script runs in
between give its `valLoss`; the `waiting` of its last step goes out with it,
so the host decides (Step Over, the overfitting rule) with the epoch known."""

import math
import time

import torch

from .validation import ValidationTotals


class Epochs:
    """The epoch part of the Probe (a mixin: the state lives on the Probe)."""

    def loader_exhausted(self, loader_pass):
        """An unsized loader (no len) ends its epoch when it runs out, if steps drew from it."""
        if loader_pass.steps > 0 and not loader_pass.epoch_reported and not self.explicit_epochs:
            loader_pass.epoch_reported = True
            self.end_epoch()
        if self.current_pass is loader_pass:
            self.current_pass = None

    def end_epoch(self):
        """The epoch in progress ended (a DataLoader pass, or the script's epoch()): reported before the next update."""
        if self.epoch_steps == 0 or self.pending_epoch is not None:
            return  # no step since the last epoch ended: nothing to end
        losses = self.epoch_losses
        self.pending_epoch = {"epoch": self.epoch, "step": self.step, "loss": sum(losses) / len(losses) if losses else math.nan}
        self.epoch += 1
        self.epoch_steps = 0
        self.epoch_losses = []

    def validating(self):
        """A loss computed now is a validation loss: an epoch ended and no update since, in a DataLoader pass
        without steps, without gradients or with the trained model in eval mode."""
        if self.pending_epoch is None or self.current_pass is None or self.current_pass.steps > 0:
            return False
        return not torch.is_grad_enabled() or (self.root is not None and not self.root.training)

    def report_epoch(self, decide=True):
        """Sends the epoch that ended, with its validation metrics, and its last step's deferred `waiting`
        (not when the script failed: `decide=False`, nothing is decided any more)."""
        if self.pending_epoch is None:
            return
        if not decide:
            self.waiting_deferred = False
        stats = self.pending_epoch
        val_loss, val_metrics = self.validation.result()
        metrics = {}
        for name, value in self.logged.items():
            if name == "val_loss":
                val_loss = value
            elif name == "loss":
                stats["loss"] = value
            elif name.startswith("val_"):
                val_metrics[name[4:]] = value
            else:
                metrics[name] = value
        now = time.perf_counter()
        stats.update(metrics=metrics, valLoss=val_loss, valMetrics=val_metrics, durationMs=(now - self.epoch_started) * 1000.0)
        self.wire.send(flush=not self.waiting_deferred, event={"type": "epoch", "stats": stats})
        self.pending_epoch = None
        self.validation = ValidationTotals()
        self.logged = {}
        self.epoch_started = now
        if self.waiting_deferred:
            self.waiting_deferred = False
            self.wire.send({"type": "waiting", "step": self.step})
            self.decision_pending = True

    def finish(self):
        """The script ended: its last epoch is reported, and the last step's decision obeyed (a breakpoint there still pauses)."""
        self.report_epoch()
        self.await_decision()
