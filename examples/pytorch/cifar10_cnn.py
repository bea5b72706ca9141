#!/usr/bin/env python3
"""The seed survey's PyTorch CIFAR-10 CNN and training loop, with its two bugs
fixed: `torch.nn.functional` is imported as F, and the first fully connected
layer takes 64·8·8 inputs (two 2×2 poolings take 32×32 images to 8×8).

Data: the CIFAR-10 python version (cifar-10-batches-py: pickled data_batch_1 …
data_batch_5, test_batch) or binary version (cifar-10-batches-bin:
data_batch_1.bin … test_batch.bin) from https://www.cs.toronto.edu/~kriz/cifar.html,
unpacked, passed with --data (the batches folder or the folder holding it).
Without --data it trains on a SYNTHETIC stand-in of the same shape and says so.

    python3 examples/pytorch/cifar10_cnn.py --data ~/data/cifar-10-batches-py --epochs 10
    python3 examples/pytorch/cifar10_cnn.py --limit-batches 5   # synthetic, a quick run
"""
import argparse
import os
import pickle
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Subset, TensorDataset

TRAIN_BATCHES = [f'data_batch_{i}' for i in range(1, 6)]
TEST_BATCH = 'test_batch'
IMAGE_BYTES = 3 * 32 * 32
# Per-channel mean and standard deviation of the CIFAR-10 training pixels / 255.
CIFAR_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR_STD = (0.2470, 0.2435, 0.2616)
WHERE_TO_GET = ('download the python or binary version from https://www.cs.toronto.edu/~kriz/cifar.html, '
                'unpack it and pass --data PATH/cifar-10-batches-py (or cifar-10-batches-bin)')


class DataError(Exception):
    """A data file or folder that cannot be read as CIFAR-10; the message names it."""


class ArraysOnly(pickle.Unpickler):
    """Unpickles the dicts of numpy arrays and lists in CIFAR's python batches and
    refuses anything else: a pickle from elsewhere could otherwise run code.
    (_codecs.encode is how Python 3 writes bytes at pickle protocol 2.)"""

    ALLOWED = {('numpy.core.multiarray', '_reconstruct'), ('numpy._core.multiarray', '_reconstruct'),
               ('numpy', 'ndarray'), ('numpy', 'dtype'), ('_codecs', 'encode')}

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f'refusing {module}.{name}: a CIFAR-10 batch holds only numpy arrays')
        return super().find_class(module, name)


def read_python_batch(path):
    """images uint8 [N, 3, 32, 32] and labels int64 [N] of one pickled batch."""
    try:
        with open(path, 'rb') as f:
            batch = ArraysOnly(f, encoding='bytes').load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError) as e:
        raise DataError(f'{path}: not a CIFAR-10 python batch ({e})') from None
    data = batch.get(b'data', batch.get('data')) if isinstance(batch, dict) else None
    labels = batch.get(b'labels', batch.get('labels')) if isinstance(batch, dict) else None
    if data is None or labels is None:
        raise DataError(f'{path}: not a CIFAR-10 python batch (no "data" and "labels" entries)')
    try:
        data, labels = np.asarray(data, dtype=np.uint8), np.asarray(labels, dtype=np.int64)
    except (TypeError, ValueError) as e:
        raise DataError(f'{path}: "data" or "labels" is not an array of numbers ({e})') from None
    if data.ndim != 2 or data.shape[1] != IMAGE_BYTES or labels.shape != (len(data),):
        raise DataError(f'{path}: "data" is {list(data.shape)} with labels {list(labels.shape)}; '
                        f'a CIFAR-10 batch has [N, {IMAGE_BYTES}] pixels and N labels')
    return data.reshape(-1, 3, 32, 32), labels


def read_binary_batch(path):
    """images uint8 [N, 3, 32, 32] and labels int64 [N] of one binary batch (3073-byte records)."""
    raw = np.fromfile(path, dtype=np.uint8)
    if raw.size == 0 or raw.size % (1 + IMAGE_BYTES):
        raise DataError(f'{path}: {raw.size} bytes is not a whole number of {1 + IMAGE_BYTES}-byte CIFAR-10 records '
                        '(1 label byte + 3072 pixel bytes); download and unpack it again')
    records = raw.reshape(-1, 1 + IMAGE_BYTES)
    return records[:, 1:].reshape(-1, 3, 32, 32), records[:, 0].astype(np.int64)


def find_batches(path):
    """(folder, format) of the CIFAR-10 batches in `path` or in its cifar-10-batches-py/-bin subfolder."""
    if not os.path.isdir(path):
        raise DataError('a file, not a folder' if os.path.exists(path) else 'no such folder')
    for folder in (path, os.path.join(path, 'cifar-10-batches-py'), os.path.join(path, 'cifar-10-batches-bin')):
        for fmt, ext in (('python', ''), ('binary', '.bin')):
            if os.path.isfile(os.path.join(folder, TRAIN_BATCHES[0] + ext)):
                return folder, fmt
    raise DataError(f'no CIFAR-10 batches here (neither {TRAIN_BATCHES[0]} nor {TRAIN_BATCHES[0]}.bin, '
                    f'nor a cifar-10-batches-py or cifar-10-batches-bin folder); {WHERE_TO_GET}')


def load_cifar10(path):
    """{'train': (images, labels), 'test': (images, labels)} and a description of where they came from."""
    folder, fmt = find_batches(path)
    read, ext = (read_python_batch, '') if fmt == 'python' else (read_binary_batch, '.bin')
    files = [os.path.join(folder, name + ext) for name in TRAIN_BATCHES + [TEST_BATCH]]
    missing = [os.path.basename(f) for f in files if not os.path.isfile(f)]
    if missing:
        raise DataError(f'{folder} lacks {", ".join(missing)} of the CIFAR-10 {fmt} version; {WHERE_TO_GET}')
    parts = [read(f) for f in files]
    for f, (_, labels) in zip(files, parts):
        if labels.size and (labels.min() < 0 or labels.max() > 9):
            raise DataError(f'{f}: labels must be 0-9 (CIFAR-10), found {labels.min()}..{labels.max()}')
    train = (np.concatenate([p[0] for p in parts[:-1]]), np.concatenate([p[1] for p in parts[:-1]]))
    return {'train': train, 'test': parts[-1]}, f'CIFAR-10 ({fmt} version) from {folder}'


def synthetic_cifar10(seed, train_count=10000, test_count=2000):
    """Images of CIFAR-10's shape whose class is a fixed random colour pattern plus noise: learnable, not CIFAR."""
    rng = np.random.default_rng(seed)
    patterns = rng.integers(0, 256, size=(10, 3, 32, 32))

    def sample(count):
        labels = rng.integers(0, 10, size=count)
        noise = rng.standard_normal(size=(count, 3, 32, 32), dtype=np.float32) * 64
        return np.clip(patterns[labels] + noise, 0, 255).astype(np.uint8), labels.astype(np.int64)

    return {'train': sample(train_count), 'test': sample(test_count)}


def as_dataset(images, labels):
    x = torch.from_numpy(images).float().div_(255)
    mean = torch.tensor(CIFAR_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(CIFAR_STD).view(1, 3, 1, 1)
    return TensorDataset((x - mean) / std, torch.from_numpy(labels))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(2, 2)
        self.fc1 = nn.Linear(64 * 8 * 8, 128)  # 32×32 → 16×16 → 8×8 after the two poolings
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return self.fc2(x)


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
    parser = argparse.ArgumentParser(description='A CNN on CIFAR-10 (python or binary version).')
    parser.add_argument('--data', help='cifar-10-batches-py or cifar-10-batches-bin folder (default: synthetic stand-in)')
    parser.add_argument('--epochs', type=int, default=10)
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

    if args.data is None:
        data = synthetic_cifar10(args.seed)
        source = 'SYNTHETIC stand-in data (random class patterns of CIFAR-10 shape 3x32x32), not CIFAR-10'
        print(f'No --data given: training on SYNTHETIC data of CIFAR-10 shape. For real CIFAR-10, {WHERE_TO_GET}.', flush=True)
    else:
        try:
            data, source = load_cifar10(args.data)
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
    test_loader = DataLoader(test_set, batch_size=500)
    print(f'{source}: {len(train_set)} train / {len(test_set)} test images; device {device}', flush=True)

    model = Net().to(device)
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
