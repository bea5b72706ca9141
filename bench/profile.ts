// Per-kernel profile of one training step (forward, backward, Adam update) of
// each benchmark network: `node dist/bench.js --profile`. This is how the
// slow wasm kernels were found (docs/performance.md).

import * as tf from '@tensorflow/tfjs';
import { computeLoss, targetTensor } from '../src/trainer/training/objectives';
import { benchModel, buildFresh, type ModelName } from './models';

export interface KernelCost {
  kernel: string;
  calls: number;
  ms: number;
  /** Input shapes of the most expensive call. */
  worstShapes: string;
}

export interface StepProfile {
  model: ModelName;
  batch: number;
  /** Median wall time of the profiled steps (profiling itself adds a little). */
  stepMs: number;
  kernels: KernelCost[];
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
};

/**
 * Profiles `profiled` training steps after `warmup` unprofiled ones; each
 * kernel's time is the median over the profiled steps (the machine is noisy).
 */
export async function profileStep(name: ModelName, batch: number, warmup = 3, profiled = 5): Promise<StepProfile> {
  const m = benchModel(name, batch);
  const { model, optimizer } = buildFresh(m);
  const x = tf.tensor(m.data.train.x, [batch, ...m.data.inputShape]);
  const y = targetTensor(m.data.train.y, batch, m.data.target, m.loss);
  const step = () => {
    const loss = optimizer.minimize(() => computeLoss(m.loss, y, model.apply(x, { training: true }) as tf.Tensor), true);
    loss?.dataSync();
    loss?.dispose();
  };
  try {
    for (let i = 0; i < warmup; i++) step();
    const stepTimes: number[] = [];
    const perKernel = new Map<string, { calls: number; ms: number[]; worstShapes: string; worst: number }>();
    for (let r = 0; r < profiled; r++) {
      const started = performance.now();
      const info = await tf.profile(step);
      stepTimes.push(performance.now() - started);
      const totals = new Map<string, number>();
      for (const k of info.kernels) {
        const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
        totals.set(k.name, (totals.get(k.name) ?? 0) + ms);
        const entry = perKernel.get(k.name) ?? { calls: 0, ms: [], worstShapes: '', worst: -1 };
        if (r === 0) entry.calls += 1;
        if (ms > entry.worst) {
          entry.worst = ms;
          entry.worstShapes = k.inputShapes.map((s) => (s ? `[${s.join(',')}]` : '-')).join(' ');
        }
        perKernel.set(k.name, entry);
      }
      for (const [kernel, ms] of totals) perKernel.get(kernel)!.ms.push(ms);
    }
    const kernels = [...perKernel.entries()]
      .map(([kernel, e]) => ({ kernel, calls: e.calls, ms: median(e.ms), worstShapes: e.worstShapes }))
      .sort((a, b) => b.ms - a.ms);
    return { model: name, batch, stepMs: median(stepTimes), kernels };
  } finally {
    tf.dispose([x, y]);
    model.dispose();
    optimizer.dispose();
  }
}

export function formatProfile(p: StepProfile, top = 12): string {
  const total = p.kernels.reduce((a, k) => a + k.ms, 0);
  const calls = p.kernels.reduce((a, k) => a + k.calls, 0);
  const lines = [
    `### ${p.model}, batch ${p.batch}: median profiled step ${p.stepMs.toFixed(1)} ms, kernels ${total.toFixed(1)} ms in ${calls} calls`,
    '',
    '| kernel | calls | ms | share | largest call inputs |',
    '|---|---:|---:|---:|---|',
    ...p.kernels
      .slice(0, top)
      .map((k) => `| ${k.kernel} | ${k.calls} | ${k.ms.toFixed(2)} | ${((100 * k.ms) / Math.max(total, 1e-9)).toFixed(0)}% | ${k.worstShapes} |`),
  ];
  return lines.join('\n');
}
