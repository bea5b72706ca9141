# The PyTorch script of the `pytorch-probe` benchmark (bench/pytorchProbe.ts):
# an ordinary training loop (DataLoader, optimizer.step) on synthetic data,
# run plainly and under the probe. Prints `samples_per_second X` (wall clock)
# and `cpu_samples_per_second X` (this process's CPU time: on a machine shared
# with other work, the part of the cost that is this process's own), measured
# after a few warm-up steps.
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

parser = argparse.ArgumentParser()
parser.add_argument("--model", choices=["mlp", "cnn"], default="mlp")
parser.add_argument("--steps", type=int, default=200)
parser.add_argument("--batch", type=int, default=64)
parser.add_argument("--threads", type=int, default=1)
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)


class Cnn(nn.Module):
    """The seed's CIFAR-10 CNN (examples/pytorch/cifar10_cnn.py's shape)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc1 = nn.Linear(64 * 8 * 8, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


if args.model == "mlp":
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    x = torch.randn(args.batch * 16, 784)
else:
    model = Cnn()
    x = torch.randn(args.batch * 16, 3, 32, 32)
y = torch.randint(0, 10, (x.shape[0],))
loader = DataLoader(TensorDataset(x, y), batch_size=args.batch, shuffle=True)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
WARMUP = 5
step = 0
started = None
while step < args.steps + WARMUP:
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        optimizer.step()
        step += 1
        if step == WARMUP:
            started = time.perf_counter()
            cpu_started = time.process_time()
        if step == args.steps + WARMUP:
            break
print(f"samples_per_second {args.steps * args.batch / (time.perf_counter() - started):.1f}")
print(f"cpu_samples_per_second {args.steps * args.batch / (time.process_time() - cpu_started):.1f}")
