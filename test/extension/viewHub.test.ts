import * as assert from 'node:assert/strict';
import { debugEvents, installFakeVscode, type FakeDebugSession } from './fakeVscode';
installFakeVscode();
import { CUSTOM_REQUESTS, TRAINER_EVENT } from '../../src/shared/debugEvents';
import type { TrainerEvent } from '../../src/shared/protocol';
import type { StepStats } from '../../src/shared/stats';
import type { HostToWebviewMessage } from '../../src/shared/webviewProtocol';

// Required, not imported: the fake must be installed first.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ViewHub } = require('../../src/extension/views/viewHub') as typeof import('../../src/extension/views/viewHub');

const header = (name: string) =>
  ({
    type: 'header',
    topology: { name, layers: [], inputs: [], outputs: [], totalParams: 0, trainableParams: 0 },
    settings: { epochs: 30 },
    backend: { name: 'wasm', requested: 'auto', reasons: [], addedKernels: [] },
  }) as unknown as TrainerEvent;
const step = (n: number) =>
  ({ type: 'step', stats: { step: n, epoch: 1, batch: n - 1, batchesPerEpoch: 25, loss: 1 / n } as Partial<StepStats> }) as TrainerEvent;

/** A debug session whose custom requests are recorded and answered only when the test says so. */
function session(id: string, history: TrainerEvent[] = []): FakeDebugSession & { requests: string[]; answer(): void } {
  const waiting: (() => void)[] = [];
  return {
    id,
    name: `Train ${id}`,
    type: 'neural',
    configuration: {},
    requests: [],
    customRequest(command: string) {
      this.requests.push(command);
      // A loaded workbench: the answer comes when the test releases it.
      return new Promise((resolve) => waiting.push(() => resolve({ events: history })));
    },
    answer: () => waiting.splice(0).forEach((release) => release()),
  };
}

/** A webview that records what it is sent, and the hub's side of its messages. */
function view() {
  const posted: HostToWebviewMessage[] = [];
  let listener: ((message: unknown) => unknown) | undefined;
  return {
    posted,
    webview: {
      postMessage: async (message: HostToWebviewMessage) => {
        posted.push(message);
        return true;
      },
      onDidReceiveMessage: (l: (message: unknown) => unknown) => {
        listener = l;
        return { dispose: () => (listener = undefined) };
      },
    },
    send: async (message: unknown) => {
      await listener?.(message);
    },
  };
}

const silentLog = { info: () => undefined, warn: () => undefined, error: () => undefined };
const emit = (s: FakeDebugSession, ...events: TrainerEvent[]) => debugEvents.custom.fire({ session: s, event: TRAINER_EVENT, body: { events } });
const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** What a view was last reset to, and the events it was sent for that session since. */
function shown(posted: HostToWebviewMessage[]): { session: string | null; steps: number[] } {
  let current: { session: string | null; steps: number[] } = { session: null, steps: [] };
  for (const m of posted) {
    if (m.type === 'reset') current = { session: m.session?.id ?? null, steps: m.events.flatMap((e) => (e.type === 'step' ? [e.stats.step] : [])) };
    // As the webview does (app.ts): events of another session are dropped.
    if (m.type === 'events' && m.sessionId === current.session) current.steps.push(...m.events.flatMap((e) => (e.type === 'step' ? [e.stats.step] : [])));
  }
  return current;
}

describe('extension: ViewHub (debug sessions → webviews)', () => {
  let hub: { dispose(): void } | undefined;
  afterEach(() => hub?.dispose());

  /** A view attached to the hub that has said it is ready (and so got its first reset). */
  async function openView(h: InstanceType<typeof ViewHub>, kind: 'training' | 'inspector') {
    const v = view();
    h.attach(v.webview as never, kind);
    await v.send({ type: 'ready', view: kind });
    return v;
  }

  function makeHub(): InstanceType<typeof ViewHub> {
    const made = new ViewHub(
      silentLog as never,
      () => undefined,
      () => undefined,
    );
    hub = made;
    return made;
  }

  it('switches an open view to a new run at once, without waiting for the adapter, and forwards its live steps', async () => {
    const h = makeHub();
    const v = await openView(h, 'training');
    assert.deepEqual(shown(v.posted), { session: null, steps: [] });

    const first = session('first');
    debugEvents.started.fire(first);
    emit(first, header('first'), step(1), step(2));
    debugEvents.terminated.fire(first);
    assert.deepEqual(shown(v.posted), { session: 'first', steps: [1, 2] });

    // The adapter of the second run never answers during this test: the view must not depend on it.
    const second = session('second');
    debugEvents.started.fire(second);
    assert.deepEqual(shown(v.posted), { session: 'second', steps: [] }, 'the view still shows the previous run');
    emit(second, header('second'), step(1));
    emit(second, step(2), step(3));
    assert.deepEqual(shown(v.posted), { session: 'second', steps: [1, 2, 3] });
    assert.deepEqual(second.requests, [], 'the hub asked the adapter for a history it already has');
  });

  it('a view that loads mid-run gets the steps so far from the hub, or from the adapter when the hub missed the start', async () => {
    const h = makeHub();
    const run = session('run');
    debugEvents.started.fire(run);
    emit(run, header('run'), step(1), step(2));
    const late = await openView(h, 'inspector');
    assert.deepEqual(shown(late.posted), { session: 'run', steps: [1, 2] });
    assert.deepEqual(run.requests, []);

    // A view that loads after a start the hub saw, before the run's header: nothing to ask.
    const fresh = session('fresh');
    debugEvents.started.fire(fresh);
    const early = openView(h, 'training');
    await tick(10);
    assert.deepEqual(fresh.requests, []);
    assert.deepEqual(shown((await early).posted), { session: 'fresh', steps: [] });

    // A run whose start the hub did not see (it came mid-run: a step, no header): the adapter's history fills it.
    const missed = session('missed', [header('missed'), step(1), step(2), step(3)]);
    emit(missed, step(3));
    const another = view();
    h.attach(another.webview as never, 'training');
    const ready = another.send({ type: 'ready', view: 'training' });
    await tick(10);
    assert.deepEqual(missed.requests, [CUSTOM_REQUESTS.history]);
    missed.answer();
    await ready;
    assert.deepEqual(shown(another.posted), { session: 'missed', steps: [1, 2, 3] });
  });

  it('keeps the events that came before the session-start notice', async () => {
    const h = makeHub();
    const v = await openView(h, 'training');
    const early = session('early');
    emit(early, header('early'), step(1));
    assert.deepEqual(shown(v.posted), { session: 'early', steps: [1] }, 'the view waits for the start notice');
    debugEvents.started.fire(early);
    emit(early, step(2));
    assert.deepEqual(shown(v.posted), { session: 'early', steps: [1, 2] });
  });

  it('forwards each DAP batch to the views as one message as it arrives (the adapter is the one batching step)', async () => {
    const h = makeHub();
    const v = await openView(h, 'training');
    const run = session('run');
    debugEvents.started.fire(run);
    const before = v.posted.length;
    emit(run, header('run'), step(1), step(2));
    debugEvents.custom.fire({ session: run, event: TRAINER_EVENT, body: { events: [step(3), 'not an event', { type: 'log', level: 'info', message: 'x' }] } });
    // No timer: both batches are out before anything else runs.
    const sent = v.posted.slice(before).filter((m) => m.type === 'events');
    assert.deepEqual(
      sent.map((m) => (m.type === 'events' ? m.events.map((e) => e.type) : [])),
      [['header', 'step', 'step'], ['step']],
      'one message per batch; a malformed event and a log are not forwarded',
    );
  });

  it('a late event of an ended run does not take the views back to it', async () => {
    const h = makeHub();
    const v = await openView(h, 'training');
    const old = session('old');
    debugEvents.started.fire(old);
    emit(old, header('old'), step(1));
    debugEvents.terminated.fire(old);
    const next = session('next');
    debugEvents.started.fire(next);
    emit(next, header('next'), step(1));
    emit(old, step(2)); // after its end and the next run's start
    emit(next, step(2));
    assert.deepEqual(shown(v.posted), { session: 'next', steps: [1, 2] });
  });

  it('replays a recorded run (Open run trace) until a session starts, and goes back to a run of this window by its trace', async () => {
    const h = makeHub();
    const v = await openView(h, 'training');
    const live = session('live');
    live.configuration = { trace: '/runs/live.jsonl' };
    debugEvents.started.fire(live);
    emit(live, header('live'), step(1));

    h.showReplay({ file: '/runs/old.jsonl', name: 'Replay: old', events: [header('old'), step(1), step(2), step(3)] });
    assert.deepEqual(shown(v.posted), { session: 'replay:/runs/old.jsonl', steps: [1, 2, 3] });
    const reset = v.posted.at(-1);
    assert.ok(reset?.type === 'reset' && reset.session?.live === false && reset.session.name === 'Replay: old', 'a session that has ended: no controls');
    emit(live, step(2));
    assert.deepEqual(shown(v.posted), { session: 'replay:/runs/old.jsonl', steps: [1, 2, 3] }, "the live run's steps do not mix into the replay");
    const late = await openView(h, 'inspector');
    assert.deepEqual(shown(late.posted), { session: 'replay:/runs/old.jsonl', steps: [1, 2, 3] }, 'a view that opens later gets the replay');

    assert.equal(h.showSessionOfTrace('/runs/elsewhere.jsonl'), false);
    assert.equal(h.showSessionOfTrace('/runs/live.jsonl'), true);
    assert.deepEqual(shown(v.posted), { session: 'live', steps: [1, 2] });

    debugEvents.terminated.fire(live);
    assert.equal(h.showSessionOfTrace('/runs/live.jsonl'), false, 'an ended run is replayed from its trace');
    h.showReplay({ file: '/runs/old.jsonl', name: 'Replay: old', events: [header('old'), step(1)] });
    const next = session('next');
    debugEvents.started.fire(next);
    emit(next, header('next'), step(1));
    assert.deepEqual(shown(v.posted), { session: 'next', steps: [1] }, 'a new run replaces the replay');
  });
});
