#!/usr/bin/env python3
"""BROKEN ON PURPOSE: vanishing gradients, the PyTorch twin of
examples/deep-sigmoid.nn.json.

Twelve sigmoid layers of 16 units trained with plain SGD on two interleaved
half-moons. The derivative of a sigmoid is at most 0.25, and backpropagation
multiplies one such factor (and one small weight matrix) per layer, so the
gradients that reach the first layers are many orders of magnitude smaller
than those at the output: the early layers barely learn and the loss stays
near its starting value (ln 2 for two classes) for all 20 epochs.

What Neural Debugger shows on it (Train model, or F5 with the `neural` debug
type, or `neural-debugger train examples/pytorch/deep_sigmoid.py`): with the
"Vanishing gradients" exception breakpoint ticked, the run stops once the
gradient history is long enough (after the warm-up, about step 30) with a
vanishing-gradient exception naming the starved layers (layers.0 … , RMS
gradient below 1e-3 × that of the strongest layer) while the loss is still
above half its starting value; the Gradients view shows the per-layer
gradient norms falling layer by layer towards the input. The fix the
debugger suggests: ReLU (or GELU) instead of sigmoid, He initialisation,
batch normalisation, residual connections, fewer layers, or Adam.

    python3 examples/pytorch/deep_sigmoid.py
"""
import argparse
import math
import time

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset, random_split

HIDDEN_LAYERS = 12
WIDTH = 16


def two_moons(count, noise, rng):
    """Two interleaved half circles in 2-D with Gaussian noise (as scikit-learn's make_moons), labels 0/1."""
    upper = count // 2
    t_upper = np.linspace(0, math.pi, upper)
    t_lower = np.linspace(0, math.pi, count - upper)
    points = np.concatenate([np.stack([np.cos(t_upper), np.sin(t_upper)], 1),
                             np.stack([1 - np.cos(t_lower), 0.5 - np.sin(t_lower)], 1)])
    points += rng.normal(0, noise, size=points.shape)
    labels = np.concatenate([np.zeros(upper), np.ones(count - upper)])
    return torch.tensor(points, dtype=torch.float32), torch.tensor(labels, dtype=torch.int64)


class DeepSigmoid(nn.Module):
    """2 → 12 × (Linear 16, Sigmoid) → Linear 2; the Linear modules are layers.0, layers.2, … layers.24."""

    def __init__(self):
        super().__init__()
        blocks, width = [], 2
        for _ in range(HIDDEN_LAYERS):
            blocks += [nn.Linear(width, WIDTH), nn.Sigmoid()]
            width = WIDTH
        self.layers = nn.Sequential(*blocks, nn.Linear(width, 2))

    def forward(self, x):
        return self.layers(x)


def main():
    parser = argparse.ArgumentParser(description='BROKEN ON PURPOSE: a deep sigmoid MLP whose gradients vanish.')
    parser.add_argument('--epochs', type=int, default=20)
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--lr', type=float, default=0.1)
    parser.add_argument('--samples', type=int, default=1000)
    parser.add_argument('--seed', type=int, default=42)
    args = parser.parse_args()
    for flag, value, least in (('--epochs', args.epochs, 1), ('--batch-size', args.batch_size, 1), ('--samples', args.samples, 10)):
        if value < least:
            parser.error(f'{flag} must be at least {least}, got {value}')

    torch.manual_seed(args.seed)
    device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    x, y = two_moons(args.samples, 0.1, np.random.default_rng(args.seed))
    dataset = TensorDataset(x, y)
    validation_count = max(1, args.samples // 5)
    generator = torch.Generator().manual_seed(args.seed)
    train_set, validation_set = random_split(dataset, [len(dataset) - validation_count, validation_count], generator=generator)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, generator=generator)
    validation_loader = DataLoader(validation_set, batch_size=256)
    print(f'two moons: {len(train_set)} train / {len(validation_set)} validation points; '
          f'{HIDDEN_LAYERS} sigmoid layers, SGD lr {args.lr}; device {device}', flush=True)

    model = DeepSigmoid().to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
    loss_fn = nn.CrossEntropyLoss()
    started = time.perf_counter()
    first_loss = None
    for epoch in range(1, args.epochs + 1):
        model.train()
        running_loss, seen = 0.0, 0
        for xb, yb in train_loader:
            xb, yb = xb.to(device), yb.to(device)
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            running_loss += loss.item() * len(yb)
            seen += len(yb)
        first_loss = first_loss if first_loss is not None else running_loss / seen
        model.eval()
        validation_loss, correct, count = 0.0, 0, 0
        with torch.no_grad():
            for xb, yb in validation_loader:
                xb, yb = xb.to(device), yb.to(device)
                logits = model(xb)
                validation_loss += loss_fn(logits, yb).item() * len(yb)
                correct += (logits.argmax(dim=1) == yb).sum().item()
                count += len(yb)
        print(f'epoch {epoch}/{args.epochs}: train loss {running_loss / seen:.4f}, '
              f'validation loss {validation_loss / count:.4f}, validation accuracy {100 * correct / count:.1f} %', flush=True)
    print(f'done in {time.perf_counter() - started:.1f} s: train loss {running_loss / seen:.4f} after {args.epochs} epoch(s), '
          f'{first_loss:.4f} after the first; chance level for two classes is ln 2 = {math.log(2):.4f}', flush=True)


if __name__ == '__main__':
    main()
