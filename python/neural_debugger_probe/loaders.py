"""What an epoch is: one full pass over a DataLoader (`DataLoader.__iter__` is wrapped
to return this counting iterator)."""


class LoaderPass:
    """One iteration over a DataLoader: counts its batches."""

    def __init__(self, probe, loader, iterator):
        self._probe = probe
        self._iterator = iterator
        self.loader = loader
        self.batches = 0
        self.steps = 0
        self.epoch_reported = False
        try:
            self.length = len(loader)
        except TypeError:
            self.length = 0

    def __iter__(self):
        return self

    def __len__(self):
        return len(self._iterator)

    def __next__(self):
        try:
            batch = next(self._iterator)
        except StopIteration:
            self._probe.loader_exhausted(self)
            raise
        self.batches += 1
        self._probe.current_pass = self
        self._probe.batch_size = batch_size(batch)
        return batch

    def __getattr__(self, name):
        return getattr(self._iterator, name)


def batch_size(batch):
    """Samples in a batch: the first axis of its first tensor."""
    if hasattr(batch, "shape") and hasattr(batch, "dim"):
        return int(batch.shape[0]) if batch.dim() > 0 else 1
    if isinstance(batch, (tuple, list)) and batch:
        return batch_size(batch[0])
    if isinstance(batch, dict) and batch:
        return batch_size(next(iter(batch.values())))
    return 1
