// Scopes and variables: what the Variables view shows while training is
// paused. Every number that an expression can read carries its expression as
// `evaluateName`, so "Add to Watch" and "Copy as Expression" work.
//
// Frames (see session.ts) → scopes:
//   batch frame: Training, Layers, Diagnostics
//   epoch frame: Epoch (the last finished epoch), Diagnostics
//   run frame:   Run (settings, model, backend)

import { Handles } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { formatPath, type PathSegment } from '../shared/expression';
import { describeLayerCount, type LayerStats, type WeightStats } from '../shared/stats';
import { ACTIVATION_FIELDS } from '../shared/expression/runScope';
import { BELOW_RESOLUTION_EXPLANATION, BELOW_RESOLUTION_LABEL, updateBelowResolution } from '../shared/updateRatio';
import { expressionObject } from './expressions';
import { formatShape, formatShort, formatValue } from './format';
import type { RunState } from './runState';

export type FrameKind = 'batch' | 'epoch' | 'run';

type VariableNode =
  | { kind: 'training' }
  | { kind: 'layers' }
  | { kind: 'layer'; name: string }
  | { kind: 'weight'; name: string }
  | { kind: 'diagnostics' }
  | { kind: 'diagnostic'; id: string }
  | { kind: 'evidence'; id: string }
  | { kind: 'remedies'; id: string }
  | { kind: 'epoch' }
  | { kind: 'run' }
  | { kind: 'group'; path: PathSegment[]; group: Record<string, unknown> };

type Variable = DebugProtocol.Variable;

const leaf = (name: string, value: string, evaluateName?: string): Variable => ({ name, value, variablesReference: 0, evaluateName });

/** The learning rate's name in the Training scope (the expression name; `setVariable` changes it). */
export const LEARNING_RATE_VARIABLE = 'learning_rate';

export class VariableStore {
  private handles = new Handles<VariableNode>();

  constructor(private readonly state: RunState) {}

  /** Variable references are valid only while stopped at one position. */
  reset(): void {
    this.handles.reset();
  }

  scopes(frame: FrameKind): DebugProtocol.Scope[] {
    const scope = (name: string, node: VariableNode, hint?: string): DebugProtocol.Scope => ({
      name,
      variablesReference: this.handles.create(node),
      expensive: false,
      presentationHint: hint,
    });
    switch (frame) {
      case 'batch':
        return [scope('Training', { kind: 'training' }, 'locals'), scope('Layers', { kind: 'layers' }), scope('Diagnostics', { kind: 'diagnostics' })];
      case 'epoch':
        return [scope('Epoch', { kind: 'epoch' }, 'locals'), scope('Diagnostics', { kind: 'diagnostics' })];
      case 'run':
        return [scope('Run', { kind: 'run' }, 'locals')];
    }
  }

  isTrainingScope(reference: number): boolean {
    return this.handles.get(reference)?.kind === 'training';
  }

  /** A reference to expand an evaluated group such as `layers.dense_1`. */
  groupReference(path: PathSegment[], group: Record<string, unknown>): number {
    return this.handles.create({ kind: 'group', path, group });
  }

  variables(reference: number): Variable[] {
    const node = this.handles.get(reference);
    if (!node) return [];
    switch (node.kind) {
      case 'training':
        return this.training();
      case 'layers':
        return this.layers();
      case 'layer':
        return this.layer(node.name);
      case 'weight':
        return this.weight(node.name);
      case 'diagnostics':
        return [...this.state.diagnostics.values()].map((d) => ({
          name: d.layers.length > 0 ? `${d.kind} [${d.layers.join(', ')}]` : d.kind,
          value: d.explanation,
          variablesReference: this.handles.create({ kind: 'diagnostic', id: d.id }),
        }));
      case 'diagnostic':
        return this.diagnostic(node.id);
      case 'evidence': {
        const d = this.state.diagnostics.get(node.id);
        return Object.entries(d?.evidence ?? {}).map(([k, v]) => leaf(k, typeof v === 'number' ? formatValue(v) : v));
      }
      case 'remedies':
        return (this.state.diagnostics.get(node.id)?.remedies ?? []).map((r, i) => leaf(String(i + 1), r));
      case 'epoch':
        return this.epoch();
      case 'run':
        return this.run();
      case 'group':
        return Object.entries(node.group).map(([key, value]) => {
          const path = [...node.path, key];
          if (typeof value === 'object' && value !== null) {
            return { name: key, value: '{…}', variablesReference: this.groupReference(path, value as Record<string, unknown>), evaluateName: formatPath(path) };
          }
          return leaf(key, formatValue(value as number | null), formatPath(path));
        });
    }
  }

  private training(): Variable[] {
    const { current, lastEpoch, settings, backend } = this.state;
    const scope = expressionObject(this.state);
    const out: Variable[] = [];
    for (const [name, value] of Object.entries(scope)) {
      if (name === 'layers' || name === 'weights' || name === 'lr') continue;
      let shown = formatValue(value as number | null);
      if ((name === 'loss' || name === 'grad_norm') && !current) shown = 'n/a (no step yet)';
      if ((name === 'val_loss' || name === 'epoch_loss') && (!lastEpoch || lastEpoch[name === 'val_loss' ? 'valLoss' : 'loss'] === null)) {
        shown = 'n/a (no validation yet)';
      }
      if (name === 'learning_rate') shown = formatValue(this.state.learningRate);
      out.push(leaf(name, shown, name));
    }
    if (current) out.push(leaf('batchesPerEpoch', String(current.batchesPerEpoch)), leaf('samplesSeen', String(current.samplesSeen)));
    if (settings) out.push(leaf('epochs', String(settings.epochs)), leaf('batchSize', String(settings.batchSize)), leaf('optimizer', settings.optimizer));
    if (backend) out.push(leaf('backend', backend.name));
    return out;
  }

  private layerStats(name: string): LayerStats | undefined {
    return this.state.current?.layers.find((l) => l.name === name);
  }

  private layers(): Variable[] {
    return (this.state.topology?.layers ?? []).map((info) => {
      const stats = this.layerStats(info.name);
      const parts = [info.activation ? `${info.className} ${info.activation}` : info.className];
      if (stats?.gradNorm !== null && stats?.gradNorm !== undefined) parts.push(`gradNorm ${formatShort(stats.gradNorm)}`);
      if (stats?.activationStats) parts.push(`mean ${formatShort(stats.activationStats.mean)}`);
      return {
        name: info.name,
        value: parts.join(' · '),
        variablesReference: this.handles.create({ kind: 'layer', name: info.name }),
        evaluateName: formatPath(['layers', info.name]),
      };
    });
  }

  private layer(name: string): Variable[] {
    const info = this.state.topology?.layers.find((l) => l.name === name);
    const stats = this.layerStats(name);
    const path = (field: string) => formatPath(['layers', name, field]);
    const out: Variable[] = [];
    if (info) {
      out.push(leaf('className', info.className), leaf('activation', info.activation ?? 'none'));
      out.push(leaf('outputShape', formatShape(info.outputShape)), leaf('params', String(info.paramCount)));
      if (info.specLine !== undefined) out.push(leaf('specLine', String(info.specLine)));
    }
    out.push(leaf('gradNorm', stats ? formatValue(stats.gradNorm) : 'n/a', path('gradNorm')));
    const a = stats?.activationStats;
    const every = this.state.settings?.statsEvery;
    for (const field of [...ACTIVATION_FIELDS, 'nonFinite' as const]) {
      const value = a ? formatValue(a[field]) : `not measured at this step${every ? ` (every ${every} steps and at every pause)` : ''}`;
      out.push(leaf(field, value, path(field)));
    }
    for (const w of this.weightsOf(name)) {
      out.push({
        name: w.name.slice(w.name.lastIndexOf('/') + 1),
        value: `norm ${formatShort(w.norm)} · gradNorm ${formatShort(w.gradNorm)} · updateRatio ${this.belowResolution(w) ? `0 (${BELOW_RESOLUTION_LABEL}, below float32 resolution)` : formatShort(w.updateRatio)}`,
        variablesReference: this.handles.create({ kind: 'weight', name: w.name }),
        evaluateName: formatPath(['weights', w.name]),
      });
    }
    return out;
  }

  private belowResolution(w: WeightStats): boolean {
    return updateBelowResolution(w, this.state.current?.learningRate ?? 0);
  }

  private weightsOf(layer: string): WeightStats[] {
    return (this.state.current?.weights ?? []).filter((w) => w.layer === layer);
  }

  private weight(name: string): Variable[] {
    const w = this.state.current?.weights.find((x) => x.name === name);
    if (!w) return [];
    const path = (field: string) => formatPath(['weights', name, field]);
    return [
      leaf('norm', formatValue(w.norm), path('norm')),
      leaf('gradNorm', formatValue(w.gradNorm), path('gradNorm')),
      leaf('updateRatio', this.belowResolution(w) ? `0 — ${BELOW_RESOLUTION_EXPLANATION}` : formatValue(w.updateRatio), path('updateRatio')),
      leaf('shape', `[${w.shape.join(', ')}]`),
      leaf('trainable', String(w.trainable)),
      leaf('gradNonFinite', String(w.gradNonFinite)),
      leaf('weightNonFinite', String(w.weightNonFinite)),
      leaf('variable', w.name),
    ];
  }

  private diagnostic(id: string): Variable[] {
    const d = this.state.diagnostics.get(id);
    if (!d) return [];
    return [
      leaf('kind', d.kind),
      leaf('severity', d.severity),
      leaf('state', d.state),
      leaf('since', `epoch ${d.epoch}, step ${d.step}`),
      leaf('layers', d.layers.join(', ') || 'none'),
      leaf('explanation', d.explanation),
      { name: 'evidence', value: formatEntries(d.evidence), variablesReference: this.handles.create({ kind: 'evidence', id }) },
      { name: 'remedies', value: `${d.remedies.length} remedies`, variablesReference: this.handles.create({ kind: 'remedies', id }) },
    ];
  }

  private epoch(): Variable[] {
    const e = this.state.lastEpoch;
    if (!e) return [leaf('epoch', 'no epoch has finished yet')];
    return [
      leaf('epoch', String(e.epoch)),
      leaf('step', String(e.step)),
      leaf('loss', formatValue(e.loss), 'epoch_loss'),
      ...Object.entries(e.metrics).map(([k, v]) => leaf(k, formatValue(v))),
      leaf('val_loss', e.valLoss === null ? 'n/a (no validation data)' : formatValue(e.valLoss), 'val_loss'),
      ...Object.entries(e.valMetrics).map(([k, v]) => leaf(`val_${k}`, formatValue(v), `val_${k}`)),
      leaf('durationMs', formatValue(Math.round(e.durationMs))),
    ];
  }

  private run(): Variable[] {
    const { settings: s, topology: t, backend: b } = this.state;
    const out: Variable[] = [];
    if (t)
      out.push(
        leaf('model', t.name),
        leaf('layers', describeLayerCount(t)),
        leaf('params', String(t.totalParams)),
        leaf('trainableParams', String(t.trainableParams)),
      );
    if (s) {
      out.push(
        leaf('modelFile', s.modelFile),
        leaf('data', s.dataDescription),
        leaf('samples', `${s.trainSamples} train / ${s.validationSamples} validation / ${s.testSamples} test`),
        leaf('epochs', String(s.epochs)),
        leaf('maxSteps', s.maxSteps === null ? 'none' : String(s.maxSteps)),
        leaf('batchSize', String(s.batchSize)),
        leaf('optimizer', s.optimizer),
        leaf('initialLearningRate', formatValue(s.learningRate)),
        leaf('loss', s.loss),
        leaf('metrics', s.metrics.join(', ') || 'none'),
        leaf('seed', String(s.seed)),
        leaf('shuffle', String(s.shuffle)),
        leaf('statsEvery', String(s.statsEvery)),
        leaf('histogramsEvery', String(s.histogramsEvery)),
      );
    }
    if (b) {
      out.push(leaf('backend', b.name), leaf('backendRequested', b.requested));
      if (b.reasons.length > 0) out.push(leaf('backendNotes', b.reasons.join('; ')));
      if (b.addedKernels.length > 0) out.push(leaf('addedKernels', b.addedKernels.join(', ')));
      if (b.nativeKernels) out.push(leaf('nativeKernels', b.nativeKernels));
      if (b.device) out.push(leaf('device', b.device));
    }
    return out;
  }
}

function formatEntries(evidence: Record<string, number | string>): string {
  return Object.entries(evidence)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? formatShort(v) : v}`)
    .join(', ');
}
