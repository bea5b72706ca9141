#!/usr/bin/env python3
"""PyTorch side of `npm run bench`: the same four networks, shapes, batch sizes,
Adam and synthetic data as bench/models.ts, timed the same way (median of
runs of at least --seconds each, after a warm-up).

Run with OPENBLAS_NUM_THREADS=1 (bench/main.ts does): torch's own threads
on top of OpenBLAS's thread pool oversubscribe a 2-core machine.
Prints one JSON object on the last line of stdout.
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn as nn


class LastStep(nn.Module):
    """LSTM over the sequence, keeping the last output (Keras' returnSequences: false)."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(28, 64, batch_first=True)
        self.out = nn.Linear(64, 10)

    def forward(self, x):
        y, _ = self.lstm(x)
        return self.out(y[:, -1, :])


class TinyTransformer(nn.Module):
    """examples/tiny-transformer.nn.json: token + position embeddings (32), two
    pre-norm encoder blocks (4 heads, feed-forward 64, no dropout), a softmax
    over the 10 tokens at each of the 8 positions."""

    def __init__(self, vocab=10, steps=8, width=32):
        super().__init__()
        self.tokens = nn.Embedding(vocab, width)
        self.positions = nn.Embedding(steps, width)
        self.blocks = nn.Sequential(*[
            nn.TransformerEncoderLayer(width, 4, 64, dropout=0.0, batch_first=True, norm_first=True)
            for _ in range(2)
        ])
        self.out = nn.Linear(width, vocab)

    def forward(self, ids):
        positions = torch.arange(ids.shape[1], device=ids.device)
        h = self.tokens(ids) + self.positions(positions)
        return self.out(self.blocks(h))


def build(name):
    if name == 'mlp':
        return nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))
    if name == 'cnn':
        return nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(64 * 8 * 8, 128), nn.ReLU(), nn.Linear(128, 10))
    if name == 'lstm':
        return LastStep()
    if name == 'transformer':
        return TinyTransformer()
    raise ValueError(name)


def data(name, batch, batches):
    n = batch * batches
    if name == 'mlp':
        return torch.rand(n, 784), torch.randint(0, 10, (n,))
    if name == 'cnn':
        return torch.rand(n, 3, 32, 32), torch.randint(0, 10, (n,))
    if name == 'lstm':
        return torch.rand(n, 28, 28), torch.randint(0, 10, (n,))
    return torch.randint(0, 10, (n, 8)), torch.randint(0, 10, (n, 8))


def timed_run(name, batch, seconds):
    torch.manual_seed(42)
    model = build(name)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    batches = 32
    x, y = data(name, batch, batches)

    def step(i):
        xb = x[i * batch:(i + 1) * batch]
        yb = y[i * batch:(i + 1) * batch]
        optimizer.zero_grad()
        out = model(xb)
        loss = loss_fn(out.reshape(-1, 10), yb.reshape(-1))
        loss.backward()
        optimizer.step()
        return loss.item()  # a read-back per step, as the tfjs loops do

    for i in range(5):
        step(i % batches)
    samples = 0
    i = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        step(i % batches)
        i += 1
        samples += batch
    return samples / (time.perf_counter() - started)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--models', default='mlp,cnn,lstm,transformer')
    parser.add_argument('--batches', default='32,64')
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--seconds', type=float, default=5.0)
    # One thread by default, like tfjs-wasm in Node. With torch's default two
    # OpenMP threads a loaded 2-core machine collapses (measured: MLP batch 32
    # 374 samples/s with 2 threads vs 30.8k with 1, load average 8).
    parser.add_argument('--threads', type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    results = []
    for name in args.models.split(','):
        for batch in [int(b) for b in args.batches.split(',')]:
            runs = []
            for _ in range(args.runs):
                runs.append(timed_run(name, batch, args.seconds))
                print(f'pytorch {name} batch {batch}: {runs[-1]:.0f} samples/s', file=sys.stderr, flush=True)
            results.append({'model': name, 'batch': batch, 'samplesPerSec': statistics.median(runs), 'runs': runs,
                            'loadAvg': os.getloadavg()[0]})
    print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(),
                      'openblasThreads': os.environ.get('OPENBLAS_NUM_THREADS'), 'results': results}))


if __name__ == '__main__':
    main()
