// Measures how long an attach takes to catch up with a run's history: the
// real adapter (dist/debugAdapter.js) attaches to the loopback protocol peer,
// which replays a real run recorded here (STEPS steps, paused on a breakpoint
// at the end); prints the time from the attach request to its response and
// to the `stopped` event. Not a test (timings are not asserted):
//   npm run build && npx tsx test/debug/measureAttach.ts [STEPS]
// Results: docs/debugging.md ("Attach to a run started elsewhere").
import * as path from 'node:path';
import { TrainerProcess } from '../../src/client/trainerProcess';
import type { TrainerEvent } from '../../src/shared/protocol';
import { EndpointPeer } from '../client/endpointPeer';
import { NeuralClient } from './client';

async function main() {
  const steps = Number(process.argv[2] ?? 2000);
  const t0 = Date.now();
  const trainer = new TrainerProcess({
    modelFile: path.resolve(__dirname, '..', '..', 'examples', 'spiral-mlp.nn.json'),
    epochs: 100000,
    backend: 'wasm',
    breakpoints: [{ id: 1, condition: `step >= ${steps}` }],
  });
  const events: TrainerEvent[] = [];
  await new Promise<void>((resolve) =>
    trainer.on('event', (e: TrainerEvent) => {
      events.push(e);
      if (e.type === 'stopped') resolve();
    }),
  );
  console.log(
    `recorded ${events.length} events (${events.filter((e) => e.type === 'step').length} steps, ${JSON.stringify(events).length} bytes) in ${Date.now() - t0} ms`,
  );
  const history = events.slice();
  await trainer.stop();
  const peer = new EndpointPeer(async (c) => {
    await c.nextFrame();
    for (const e of history) c.writer.write(e);
    for (;;) {
      const f = await Promise.race([c.nextFrame(), c.closed.then(() => null)]);
      if (!f) return;
      if ('requestId' in f) c.writer.write({ type: 'reply', requestId: f.requestId, ok: true, result: null });
    }
  });
  const port = await peer.listen();
  for (let i = 0; i < 3; i++) {
    const client = await NeuralClient.start();
    const start = performance.now();
    await client.attach({ port, token: 't' });
    const answered = performance.now();
    await client.nextStop();
    const stopped = performance.now();
    await client.dc.stackTraceRequest({ threadId: 1 });
    console.log(`attach ${i + 1}: response ${(answered - start).toFixed(0)} ms, stopped ${(stopped - start).toFixed(0)} ms`);
    await client.dc.disconnectRequest({});
    await client.stop();
  }
  await peer.close();
}
void main();
