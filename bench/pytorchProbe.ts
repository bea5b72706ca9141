// The `pytorch-probe` part of the benchmark: the same PyTorch script
// (bench/pytorch_probe_bench.py) plainly and under Neural Debugger
// (`neural-debugger train script.py`: the CLI, the Python host, the probe),
// with the default statistics schedule and with every statistic every step,
// interleaved round by round so each ratio is measured under the same load.
// The script measures its own samples/s (after warm-up), so start-up is not counted.

import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { repoRoot } from './models';

const MODES = ['plain', 'probe (default statistics)', 'probe (every statistic, every step)'] as const;
type Mode = (typeof MODES)[number];

const MODELS = [
  { model: 'mlp', label: 'MLP 784-256-128-10, batch 64', steps: 300, batch: 64 },
  { model: 'cnn', label: 'CIFAR-10 CNN (2 conv + 2 dense), batch 32', steps: 40, batch: 32 },
];

function samplesPerSecond(mode: Mode, python: string, model: (typeof MODELS)[number]): number {
  const script = path.join(repoRoot(), 'bench', 'pytorch_probe_bench.py');
  const scriptArgs = ['--model', model.model, '--steps', String(model.steps), '--batch', String(model.batch)];
  const bin = path.join(repoRoot(), 'bin', 'neural-debugger.js');
  const full = mode === 'probe (every statistic, every step)' ? ['--stats-every', '1', '--histograms-every', '1'] : [];
  const [command, args] =
    mode === 'plain' ? [python, [script, ...scriptArgs]] : [process.execPath, [bin, 'train', script, '--python', python, ...full, '--', ...scriptArgs]];
  const r = spawnSync(command, args, { encoding: 'utf8', cwd: repoRoot() });
  const m = /samples_per_second ([\d.]+)/.exec(`${r.stdout}\n${r.stderr}`);
  if (r.status !== 0 || !m) throw new Error(`pytorch-probe: ${mode} on ${model.model} failed (exit ${r.status}): ${r.stderr.slice(-500)}`);
  return Number(m[1]);
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Runs the comparison; returns the markdown to print. */
export function benchPytorchProbe(python: string, rounds: number, log: (line: string) => void): string {
  const lines = [
    `## PyTorch under the probe, samples/s (median of ${rounds} interleaved round(s); torch 1 thread; synthetic data; Adam)\n`,
    `| model | ${MODES.join(' | ')} | default / plain | every / plain |`,
    '|---|---|---|---|---|---|',
  ];
  for (const model of MODELS) {
    const samples = new Map<Mode, number[]>(MODES.map((m) => [m, []]));
    for (let round = 0; round < rounds; round++) {
      for (const mode of MODES) samples.get(mode)!.push(samplesPerSecond(mode, python, model));
      log(`pytorch-probe ${model.model}: round ${round + 1}/${rounds}`);
    }
    const plain = samples.get('plain')!;
    const ratio = (mode: Mode) => median(samples.get(mode)!.map((v, i) => v / plain[i])).toFixed(2);
    lines.push(
      `| ${model.label} | ${MODES.map((m) => median(samples.get(m)!).toFixed(0)).join(' | ')} | ${ratio('probe (default statistics)')}× | ${ratio('probe (every statistic, every step)')}× |`,
    );
  }
  lines.push('\n(targets: default ≥ 0.9× plain, every statistic every step ≥ 0.6×; ratios are medians of the per-round ratios.)');
  return lines.join('\n');
}
