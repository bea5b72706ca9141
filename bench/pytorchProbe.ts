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

interface Sample {
  samplesPerSecond: number;
  /** Samples per second of the Python process's own CPU time (what a loaded machine's waits leave out). */
  cpuSamplesPerSecond: number;
  /** Under the probe: its measuring and its waiting for the host's decisions, ms per step. */
  probeMs?: { measure: number; wait: number };
}

function runOnce(mode: Mode, python: string, model: (typeof MODELS)[number]): Sample {
  const script = path.join(repoRoot(), 'bench', 'pytorch_probe_bench.py');
  const scriptArgs = ['--model', model.model, '--steps', String(model.steps), '--batch', String(model.batch)];
  const bin = path.join(repoRoot(), 'bin', 'neural-debugger.js');
  const full = mode === 'probe (every statistic, every step)' ? ['--stats-every', '1', '--histograms-every', '1'] : [];
  const [command, args] =
    mode === 'plain' ? [python, [script, ...scriptArgs]] : [process.execPath, [bin, 'train', script, '--python', python, ...full, '--', ...scriptArgs]];
  const r = spawnSync(command, args, { encoding: 'utf8', cwd: repoRoot(), env: { ...process.env, NEURAL_DEBUGGER_PROBE_TIMING: '1' } });
  const output = `${r.stdout}\n${r.stderr}`;
  const m = /samples_per_second ([\d.]+)/.exec(output);
  if (r.status !== 0 || !m) throw new Error(`pytorch-probe: ${mode} on ${model.model} failed (exit ${r.status}): ${r.stderr.slice(-500)}`);
  const t = /probe_ms_per_step measure ([\d.]+) wait ([\d.]+)/.exec(output);
  const cpu = /cpu_samples_per_second ([\d.]+)/.exec(output);
  return {
    samplesPerSecond: Number(m[1]),
    cpuSamplesPerSecond: Number(cpu?.[1] ?? NaN),
    probeMs: t ? { measure: Number(t[1]), wait: Number(t[2]) } : undefined,
  };
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
  const costs: string[] = [];
  for (const model of MODELS) {
    const samples = new Map<Mode, number[]>(MODES.map((m) => [m, []]));
    const cpuSamples = new Map<Mode, number[]>(MODES.map((m) => [m, []]));
    const probeMs = new Map<Mode, { measure: number; wait: number }[]>(MODES.map((m) => [m, []]));
    for (let round = 0; round < rounds; round++) {
      for (const mode of MODES) {
        const sample = runOnce(mode, python, model);
        samples.get(mode)!.push(sample.samplesPerSecond);
        cpuSamples.get(mode)!.push(sample.cpuSamplesPerSecond);
        if (sample.probeMs) probeMs.get(mode)!.push(sample.probeMs);
      }
      log(`pytorch-probe ${model.model}: round ${round + 1}/${rounds}`);
    }
    for (const mode of MODES.filter((m) => probeMs.get(m)!.length > 0)) {
      const list = probeMs.get(mode)!;
      costs.push(
        `- ${model.model}, ${mode}: measuring ${median(list.map((c) => c.measure)).toFixed(2)} ms/step, waiting for the host ${median(list.map((c) => c.wait)).toFixed(3)} ms/step`,
      );
    }
    for (const [clock, table] of [
      ['wall', samples],
      ['CPU', cpuSamples],
    ] as const) {
      const plain = table.get('plain')!;
      const ratio = (mode: Mode) => median(table.get(mode)!.map((v, i) => v / plain[i])).toFixed(2);
      lines.push(
        `| ${model.label} (${clock}) | ${MODES.map((m) => median(table.get(m)!).toFixed(0)).join(' | ')} | ${ratio('probe (default statistics)')}× | ${ratio('probe (every statistic, every step)')}× |`,
      );
    }
  }
  lines.push(
    '\n(targets: default ≥ 0.9× plain, every statistic every step ≥ 0.6×; ratios are medians of the per-round ratios. wall: samples per second of' +
      " wall-clock time; CPU: per second of the Python process's CPU time, which leaves out waiting for a CPU on a loaded machine" +
      " (and the host's own work, in another process).)",
  );
  lines.push("\nThe probe's own time per step (medians; NEURAL_DEBUGGER_PROBE_TIMING):\n", ...costs);
  return lines.join('\n');
}
