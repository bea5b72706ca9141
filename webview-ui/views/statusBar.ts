// The view's header line: model, backend, run status, notes and errors.

import { describeLayerCount } from '../../src/shared/stats';
import type { Store } from '../store/store';

export class StatusView {
  readonly root: HTMLElement;
  private readonly title: HTMLElement;
  private readonly status: HTMLElement;
  private readonly notes: HTMLElement;

  constructor(
    parent: HTMLElement,
    private readonly store: Store,
  ) {
    this.root = document.createElement('div');
    this.root.id = 'run-info';
    this.title = document.createElement('h1');
    this.title.id = 'run-title';
    this.status = document.createElement('span');
    this.status.id = 'run-status';
    this.status.setAttribute('role', 'status');
    this.notes = document.createElement('div');
    this.notes.id = 'notes';
    this.root.append(this.title, this.status);
    parent.append(this.root, this.notes);
  }

  update(): void {
    const { status } = this.store;
    this.title.textContent = runTitle(this.store);
    this.status.textContent = status.text;
    this.status.dataset.status = status.status;
    this.notes.replaceChildren(
      ...this.store.notes.map((text) => {
        const p = document.createElement('p');
        p.className = 'note';
        p.textContent = text;
        return p;
      }),
    );
  }
}

/** `deep-sigmoid · 13 layers + input · 3,074 params · wasm · sgd lr 0.1`: the learning rate in effect now (the run's position). */
export function runTitle(store: Pick<Store, 'topology' | 'backend' | 'settings' | 'session' | 'position'>): string {
  const { topology, backend, settings, session, position } = store;
  if (!topology) return session ? session.name : 'Neural Debugger';
  const rate = settings ? ` · ${settings.optimizer} lr ${position.learningRate ?? settings.learningRate}` : '';
  return `${topology.name} · ${describeLayerCount(topology)} · ${topology.totalParams.toLocaleString('en-US')} params${backend ? ` · ${backend.name}` : ''}${rate}`;
}
