// What each diagnostic says to the user: one sentence on what is happening,
// and what to try, in the terms of a deep-learning course.

import type { DiagnosticKind, DiagnosticSeverity } from '../../shared/stats';

export const SEVERITY: Record<DiagnosticKind, DiagnosticSeverity> = {
  'non-finite': 'error',
  'exploding-gradient': 'warning',
  'vanishing-gradient': 'warning',
  'dead-relu': 'warning',
  saturation: 'warning',
  'learning-rate': 'warning',
  overfitting: 'warning',
  plateau: 'info',
};

export const REMEDIES: Record<DiagnosticKind, string[]> = {
  'non-finite': [
    'Lower the learning rate (try 10× smaller).',
    'Clip gradients (clipnorm / clipvalue) so one bad batch cannot blow up the weights.',
    'Check the input data for NaN/Inf and normalise it (zero mean, unit variance).',
    'Use a numerically stable loss: softmax + cross-entropy together, with probabilities clipped away from 0.',
    'Use a smaller weight initialisation (Glorot/He instead of large random values).',
  ],
  'exploding-gradient': [
    'Lower the learning rate.',
    'Clip gradients by global norm (e.g. 1.0 or 5.0).',
    'Use He (ReLU) or Glorot (tanh/sigmoid) initialisation instead of large random weights.',
    'Add batch normalisation or layer normalisation between layers.',
    'For recurrent networks, prefer LSTM/GRU over a simple RNN and clip gradients.',
  ],
  'vanishing-gradient': [
    'Replace sigmoid/tanh hidden activations with ReLU (or leaky ReLU / GELU).',
    'Use He initialisation for ReLU layers, Glorot for tanh.',
    'Add batch normalisation between layers.',
    'Add residual (skip) connections so gradients reach early layers directly.',
    'Use fewer layers, or an optimizer with per-parameter step sizes (Adam).',
  ],
  'dead-relu': [
    'Lower the learning rate: large updates push ReLU units into the zero region for good.',
    'Use leaky ReLU or ELU, whose gradient is never exactly zero.',
    'Initialise biases at zero or slightly positive, not negative; use He initialisation.',
    'Add batch normalisation before the activation.',
  ],
  saturation: [
    'Normalise the inputs (zero mean, unit variance).',
    'Use a smaller initialisation (Glorot) so pre-activations start near zero.',
    'Add batch normalisation before the activation.',
    'Use ReLU-family activations in hidden layers.',
  ],
  'learning-rate': [
    'Aim for updates of about 1/1000 of the weights per step (update-to-weight ratio ≈ 1e-3).',
    'Change the learning rate by a factor of 3–10 in the direction indicated and watch the ratio.',
    'Use a learning-rate schedule or warm-up.',
  ],
  overfitting: [
    'Stop early: keep the weights of the epoch with the best validation loss.',
    'Add regularisation: L2 weight decay or L1.',
    'Add dropout.',
    'Get more training data, or augment it.',
    'Use a smaller network.',
  ],
  plateau: [
    'Try a larger or smaller learning rate, or a schedule that lowers it on plateaus.',
    'Check that labels and inputs match (a shuffled label column learns nothing).',
    'Check the other diagnostics: vanishing gradients and dead units also stall training.',
  ],
};

export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  return a !== 0 && (a < 1e-3 || a >= 1e4) ? n.toExponential(1) : Number(n.toPrecision(3)).toString();
}
