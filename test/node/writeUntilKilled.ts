// Child process for the SIGKILL test: writes a header and then step records
// as fast as it can until it is killed. Prints "ready" after the first 50.
// Usage: node -r tsx/cjs writeUntilKilled.ts TRACE_FILE

import { TraceWriter } from '../../src/node/traceWriter';
import { sampleHeader, sampleStepStats } from '../shared/trace/sampleRecords';

const writer = TraceWriter.open(process.argv[2]);
writer.write(sampleHeader());
for (let step = 1; ; step++) {
  const stats = sampleStepStats(step);
  // Make records big enough (~20 KB) that a kill often lands during a write.
  stats.weights = Array.from({ length: 60 }, () => stats.weights[0]);
  writer.write({ type: 'step', time: Date.now(), stats });
  if (step === 50) process.stdout.write('ready\n');
}
