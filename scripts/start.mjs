// `npm start`: build, then train the spiral example with live progress.
import { spawnSync } from 'node:child_process';
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run(process.execPath, ['scripts/build.mjs']);
run(process.execPath, ['bin/neural-debugger.js', 'train', 'examples/spiral-mlp.nn.json', '--trace', 'runs/spiral-mlp.trace.jsonl']);
