"""Validation metrics of an epoch (docs/pytorch.md, "Validation metrics").

After a training epoch ends and before the next update, the losses that the
script computes with a `torch.nn.functional` loss (the `nn` loss modules call
these too) in a DataLoader pass without steps, under `torch.no_grad()` or with
the trained model in `eval()` mode, are that epoch's validation loss: their
mean per sample. With a classification loss (`cross_entropy`, `nll_loss`) on
class-index targets, the fraction of argmax predictions equal to the target is
`accuracy`. Values stay on the device until the epoch is reported (one copy)."""

import inspect

import torch
import torch.nn.functional as F

# Losses whose input holds class scores on axis 1 and whose target holds class indices.
CLASSIFICATION_LOSSES = ("cross_entropy", "nll_loss")
OTHER_LOSSES = (
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "mse_loss",
    "l1_loss",
    "smooth_l1_loss",
    "huber_loss",
    "kl_div",
    "poisson_nll_loss",
    "gaussian_nll_loss",
)


class ValidationTotals:
    """Sums of one epoch's validation losses (and correct predictions) per sample."""

    def __init__(self):
        self.loss_sum = None
        self.samples = 0
        self.correct = None
        self.classified = None
        # False once a loss without a class-index target is seen: accuracy would cover part of the pass only.
        self.accuracy_valid = True

    def add(self, name, output, bound):
        """One loss call: `output` is what the loss function returned, `bound` its arguments by name."""
        input_, target = bound.get("input"), bound.get("target")
        reduction = bound.get("reduction", "mean")
        samples = int(input_.shape[0]) if hasattr(input_, "dim") and input_.dim() > 0 else 1
        value = output.detach().to(torch.float64)
        # A per-sample sum: 'sum' and 'none' (a tensor of per-sample losses) add up; 'mean' is weighted by the batch.
        total = value.sum() if reduction in ("sum", "none") else value * samples
        self.loss_sum = total if self.loss_sum is None else self.loss_sum + total
        self.samples += samples
        if name in CLASSIFICATION_LOSSES and _class_indices(input_, target):
            ignore = bound.get("ignore_index", -100)
            kept = target != ignore
            hits = ((input_.detach().argmax(dim=1) == target) & kept).sum()
            counted = kept.sum()
            self.correct = hits if self.correct is None else self.correct + hits
            self.classified = counted if self.classified is None else self.classified + counted
        else:
            self.accuracy_valid = False

    def result(self):
        """(valLoss, valMetrics) of the epoch; (None, {}) when no validation loss was seen."""
        if self.loss_sum is None or self.samples == 0:
            return None, {}
        metrics = {}
        classified = int(self.classified.item()) if self.classified is not None else 0
        if self.accuracy_valid and classified > 0:
            metrics["accuracy"] = float(self.correct.item()) / classified
        return float(self.loss_sum.item()) / self.samples, metrics


def _class_indices(input_, target):
    return hasattr(input_, "dim") and hasattr(target, "dtype") and input_.dim() >= 2 and not target.dtype.is_floating_point


def install(probe):
    """Wraps the functional losses: a call while `probe.validating()` adds to `probe.validation`."""
    for name in CLASSIFICATION_LOSSES + OTHER_LOSSES:
        original = getattr(F, name, None)
        if original is not None:
            setattr(F, name, _wrapped(probe, name, original))


def _wrapped(probe, name, original):
    signature = inspect.signature(original)

    def loss(*args, **kwargs):
        output = original(*args, **kwargs)
        if probe.validating():
            bound = signature.bind(*args, **kwargs)
            probe.validation.add(name, output, bound.arguments)
        return output

    loss.__wrapped__ = original
    loss.__name__ = original.__name__
    loss.__doc__ = original.__doc__
    return loss
