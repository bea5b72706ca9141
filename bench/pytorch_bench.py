#!/usr/bin/env python3
"""PyTorch side of `npm run bench`: the same four networks, shapes, batch sizes,
Adam and synthetic data as bench/models.ts.

Two modes:
- `--serve` (what bench/pytorch.ts uses): a worker that trains in slices
  between the tfjs variants' slices, so that every ratio is measured under
  the same machine load. It reads one JSON command per line on stdin and
  answers one JSON line on stdout per command:
    {"cmd":"info"}                          -> {"torch":..., "threads":..., "openblasThreads":...}
    {"cmd":"prepare","model":"mlp","batch":64}
                                            -> {"ready":true, "warmupSeconds":...} (builds, warms up 5 steps)
    {"cmd":"slice","ms":500}                -> {"samples":..., "seconds":...} (whole steps, at least ms)
    {"cmd":"quit"}                          -> {"bye":true}, then exits
  A failed command answers {"error":"..."}. Between commands the worker is
  blocked reading stdin, so it takes no CPU while tfjs trains.
- standalone (no --serve): median of --runs runs of at least --seconds each,
  one JSON object on the last line of stdout.

Run with OPENBLAS_NUM_THREADS equal to --threads (bench/pytorch.ts does):
torch calls OpenBLAS's sgemm from one thread, and OpenBLAS splits it over
its own pool; more than --threads would oversubscribe the machine.
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


def blas_library():
    """The BLAS library this process loaded (Linux: from /proc/self/maps), or None."""
    torch.ones(2, 2) @ torch.ones(2, 2)  # make sure the BLAS is loaded
    try:
        with open('/proc/self/maps') as maps:
            for line in maps:
                path = line.split()[-1]
                name = os.path.basename(path)
                if 'blas' in name or 'mkl_rt' in name or 'libmkl' in name:
                    return os.path.realpath(path)
    except OSError:
        pass
    return None


class Trainer:
    """One network, its Adam and 32 batches of synthetic data, trained step by step."""

    def __init__(self, name, batch, batches=32):
        torch.manual_seed(42)
        self.batch = batch
        self.batches = batches
        self.model = build(name)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-3)
        self.loss_fn = nn.CrossEntropyLoss()
        self.x, self.y = data(name, batch, batches)
        self.i = 0

    def step(self):
        lo = (self.i % self.batches) * self.batch
        self.i += 1
        xb, yb = self.x[lo:lo + self.batch], self.y[lo:lo + self.batch]
        self.optimizer.zero_grad()
        out = self.model(xb)
        loss = self.loss_fn(out.reshape(-1, 10), yb.reshape(-1))
        loss.backward()
        self.optimizer.step()
        return loss.item()  # a read-back per step, as the tfjs loops do

    def train_for(self, seconds):
        """Whole steps until at least `seconds` have passed; (samples, seconds taken)."""
        samples = 0
        started = time.perf_counter()
        while True:
            self.step()
            samples += self.batch
            elapsed = time.perf_counter() - started
            if elapsed >= seconds:
                return samples, elapsed


def timed_run(name, batch, seconds):
    trainer = Trainer(name, batch)
    for _ in range(5):
        trainer.step()
    samples, elapsed = trainer.train_for(seconds)
    return samples / elapsed


def serve():
    trainer = None

    def answer(obj):
        sys.stdout.write(json.dumps(obj) + '\n')
        sys.stdout.flush()

    while True:
        line = sys.stdin.readline()  # blocks (no CPU) until the next command
        if not line:
            return  # parent gone
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            cmd = request.get('cmd')
            if cmd == 'info':
                answer({'torch': torch.__version__, 'threads': torch.get_num_threads(),
                        'openblasThreads': os.environ.get('OPENBLAS_NUM_THREADS'), 'blas': blas_library()})
            elif cmd == 'prepare':
                trainer = None  # free the previous network first
                started = time.perf_counter()
                trainer = Trainer(request['model'], int(request['batch']))
                for _ in range(5):
                    trainer.step()
                answer({'ready': True, 'warmupSeconds': time.perf_counter() - started})
            elif cmd == 'slice':
                if trainer is None:
                    raise ValueError('slice before prepare')
                samples, elapsed = trainer.train_for(float(request['ms']) / 1000)
                answer({'samples': samples, 'seconds': elapsed})
            elif cmd == 'quit':
                answer({'bye': True})
                return
            else:
                raise ValueError(f'unknown cmd {cmd!r}')
        except Exception as e:  # answer and keep serving: the parent decides
            answer({'error': f'{type(e).__name__}: {e}'})


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
    parser.add_argument('--serve', action='store_true', help='JSON-lines worker on stdin/stdout (see the docstring)')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    # PyTorch at its best: subnormal numbers flushed to zero (x86 FTZ/DAZ).
    # Without it, the benchmark MLP's Adam moments of dead units decay into
    # subnormals and PyTorch runs 6x slower (measured; our Adam kernel flushes
    # its moments, src/trainer/backend/native/assembly/adam.ts).
    torch.set_flush_denormal(True)
    if args.serve:
        serve()
        return
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
