"""Tensor statistics in the shapes of src/shared/stats.ts, computed where the
tensors live (on a GPU: on the device). Every number of one step goes through
one `Batch`: the tensors are stacked and copied to the host once, so a step
costs one device sync however many statistics it measures."""

import math

import torch

# As the tfjs trainer (src/trainer/training/tensorStats.ts): 30 bins over a
# strided sample of about 16,384 values.
HISTOGRAM_BINS = 30
HISTOGRAM_SAMPLE = 16384
# Feature maps (src/shared/stats.ts FeatureMaps): up to 8 channels, pooled to at most 32x32.
FEATURE_MAP_CHANNELS = 8
FEATURE_MAP_SIZE = 32
# Outputs bounded by these activations count as saturated within 1% of a bound.
SATURATION_BOUNDS = {"sigmoid": (0.0, 1.0), "hardSigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}


class Batch:
    """Collects 0-d or 1-d tensors; `resolve()` copies them all to the host at once."""

    def __init__(self):
        self._parts = []
        self._size = 0
        self._values = None

    def add(self, tensor):
        flat = tensor.detach().reshape(-1).to(torch.float64)
        start = self._size
        self._parts.append(flat)
        self._size += flat.numel()
        return (start, self._size)

    def resolve(self):
        if not self._parts:
            self._values = []
            return
        device = self._parts[0].device  # a stray CPU scalar joins the device tensors, not the reverse
        self._values = torch.cat([p.to(device) for p in self._parts]).tolist()

    def scalar(self, handle):
        return self._values[handle[0]]

    def values(self, handle):
        return self._values[handle[0] : handle[1]]


def norm(tensor):
    """L2 norm, as a float64 0-d tensor. The squares are summed in float32: torch's
    sum is a cascade (CPU) or tree (CUDA) reduction, within ~1e-7 of a float64 sum
    even over millions of values, and ~10x faster than converting to float64 first
    (measured on CPU; float32 `norm()` is a plain running sum, off by up to 1e-5)."""
    x = tensor.detach()
    if x.dtype != torch.float32:
        x = x.to(torch.float32)
    return (x * x).sum().to(torch.float64).sqrt()


def non_finite(tensor):
    return (~torch.isfinite(tensor.detach())).sum()


def _finite_sample(tensor):
    flat = tensor.detach().reshape(-1)
    stride = max(1, math.ceil(flat.numel() / HISTOGRAM_SAMPLE))
    sample = flat[::stride].to(torch.float32)
    return sample, flat.numel()


def histogram_parts(batch, tensor):
    """Queues a histogram of `tensor`; returns a function that builds the Histogram once resolved."""
    sample, total = _finite_sample(tensor)
    finite = torch.isfinite(sample)
    big = torch.finfo(torch.float32).max
    lo = torch.where(finite, sample, torch.full_like(sample, big)).min() if sample.numel() else torch.tensor(math.nan)
    hi = torch.where(finite, sample, torch.full_like(sample, -big)).max() if sample.numel() else torch.tensor(math.nan)
    clean = torch.where(finite, sample, torch.full_like(sample, math.inf))
    counts = _histc(clean, lo, hi)
    handle = batch.add(torch.stack([lo.to(torch.float64), hi.to(torch.float64)]))
    counts_handle = batch.add(counts)
    sampled = sample.numel()

    def build():
        low, high = batch.values(handle)
        if not (math.isfinite(low) and math.isfinite(high)) or low > high:
            return {"edges": [], "counts": [], "sampled": sampled, "total": total}
        width = (high - low) / HISTOGRAM_BINS
        edges = [high if i == HISTOGRAM_BINS else low + i * width for i in range(HISTOGRAM_BINS + 1)]
        return {"edges": edges, "counts": [int(c) for c in batch.values(counts_handle)], "sampled": sampled, "total": total}

    return build


def _histc(values, lo, hi):
    """Counts per bin of [lo, hi] on the device, the last bin closed; values outside are dropped."""
    span = torch.clamp(hi - lo, min=1e-30)
    inside = (values >= lo) & (values <= hi)
    bins = torch.clamp(((values - lo) / span * HISTOGRAM_BINS).floor(), 0, HISTOGRAM_BINS - 1).to(torch.int64)
    bins = torch.where(inside, bins, torch.full_like(bins, HISTOGRAM_BINS))
    return torch.bincount(bins, minlength=HISTOGRAM_BINS + 1)[:HISTOGRAM_BINS]


def activation_parts(batch, output, activation, histograms):
    """Queues the ActivationStats of a layer output (NCHW: the unit axis is 1). Sums
    in float32 (cascade / tree reductions), no float64 copy of the whole output."""
    x = output.detach()
    if x.dtype != torch.float32:
        x = x.to(torch.float32)
    n = x.numel()
    finite = torch.isfinite(x)
    clean = torch.where(finite, x, torch.zeros((), dtype=x.dtype, device=x.device))
    big = torch.finfo(torch.float32).max
    nan = torch.tensor(math.nan, device=x.device)
    parts = [
        finite.sum().to(torch.float32),
        clean.sum(),
        (clean * clean).sum(),
        torch.where(finite, x, torch.full((), big, device=x.device)).min() if n else nan,
        torch.where(finite, x, torch.full((), -big, device=x.device)).max() if n else nan,
        (x == 0).sum().to(torch.float32),
    ]
    if x.dim() >= 2 and x.shape[1] > 0:
        # A unit (axis 1) is dead when it is zero for every sample and position.
        alive = x.ne(0).any(dim=0)
        while alive.dim() > 1:
            alive = alive.any(dim=-1)
        parts.append(1.0 - alive.sum().to(torch.float32) / x.shape[1])
    else:
        parts.append(torch.zeros((), device=x.device))
    bounds = SATURATION_BOUNDS.get(activation)
    if bounds is not None:
        margin = 0.01 * (bounds[1] - bounds[0])
        parts.append(((x <= bounds[0] + margin) | (x >= bounds[1] - margin)).sum().to(torch.float32))
    handle = batch.add(torch.stack([p.to(torch.float32) for p in parts]))
    hist = histogram_parts(batch, x) if histograms else None

    def build():
        v = batch.values(handle)
        finite_count, total, squares, lo, hi, zeros, dead = v[:7]
        mean = total / finite_count if finite_count > 0 else math.nan
        variance = max(0.0, squares / finite_count - mean * mean) if finite_count > 0 else math.nan
        stats = {
            "mean": mean,
            "std": math.sqrt(variance) if finite_count > 0 else math.nan,
            "min": lo if finite_count > 0 else math.nan,
            "max": hi if finite_count > 0 else math.nan,
            "zeroFraction": zeros / n if n else 0.0,
            "deadFraction": dead,
            "saturatedFraction": (v[7] / finite_count if finite_count > 0 else 0.0) if bounds is not None else None,
            "nonFinite": int(n - finite_count),
        }
        if hist is not None:
            stats["histogram"] = hist()
        return stats

    return build


def feature_map_parts(batch, output):
    """Queues the FeatureMaps of a rank-4 NCHW output: first sample, first channels, average-pooled."""
    x = output.detach()[0]
    channels = list(range(min(FEATURE_MAP_CHANNELS, x.shape[0])))
    maps = x[: len(channels)].to(torch.float32)
    height, width = maps.shape[1], maps.shape[2]
    factor = max(1, math.ceil(max(height, width) / FEATURE_MAP_SIZE))
    # A window holding NaN/Inf pools to NaN; ceil_mode edge windows average the cells they cover.
    pooled = torch.nn.functional.avg_pool2d(maps.unsqueeze(0), factor, factor, ceil_mode=True, count_include_pad=False)[0]
    finite = torch.isfinite(maps)
    big = torch.finfo(torch.float32).max
    lo = torch.where(finite, maps, torch.full_like(maps, big)).amin(dim=(1, 2))
    hi = torch.where(finite, maps, torch.full_like(maps, -big)).amax(dim=(1, 2))
    any_finite = finite.any(dim=2).any(dim=1)
    handle = batch.add(pooled)
    bounds = batch.add(torch.stack([lo, hi, any_finite.to(torch.float32)]))
    ph, pw = pooled.shape[1], pooled.shape[2]

    def build():
        flat = batch.values(handle)
        b = batch.values(bounds)
        k = len(channels)
        values = [[_round4(v) for v in flat[c * ph * pw : (c + 1) * ph * pw]] for c in range(k)]
        return {
            "height": ph,
            "width": pw,
            "channels": channels,
            "values": values,
            "min": [b[c] if b[2 * k + c] else math.nan for c in range(k)],
            "max": [b[k + c] if b[2 * k + c] else math.nan for c in range(k)],
        }

    return build


def _round4(v):
    if not math.isfinite(v):
        return math.nan
    return float(f"{v:.4g}")
