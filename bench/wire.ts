// `npm run bench -- --only wire`: the cost of the trainer wire protocol's
// framing at the rate of a fast run. A sender process (this bundle, forked
// with ND_BENCH_CHILD=wire-sender) writes real step events (~1.7 KB, from
// test/fixtures/traces/v1-spiral-mlp.jsonl) at 2,500 a second on an fd-3
// pipe, as the trainer does; this process reads and decodes them. Both
// measure their own CPU time (process.cpuUsage) over the same events, for
// JSON lines (src/node/wire.ts) and for length-prefixed JSON (4-byte
// big-endian length + JSON). Results: docs/performance.md ("Wire framing").

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import type { Socket } from 'node:net';
import * as path from 'node:path';
import { decodeJson, encodeJson } from '../src/shared/json';
import { FrameWriter, readFrames } from '../src/node/wire';
import { median } from './report';
import { repoRoot } from './models';

export const FRAMINGS = ['json-lines', 'length-prefixed'] as const;
export type Framing = (typeof FRAMINGS)[number];

/** Step events a second of a fast run (the spiral MLP, docs/performance.md). */
export const WIRE_EVENTS_PER_SEC = 2500;
/** Events per timer tick: 25 every 10 ms is 2,500/s. */
const EVENTS_PER_TICK = 25;
const TICK_MS = (EVENTS_PER_TICK * 1000) / WIRE_EVENTS_PER_SEC;

export interface WireResult {
  framing: Framing;
  events: number;
  bytesPerEvent: number;
  senderUsPerEvent: number;
  receiverUsPerEvent: number;
}

/** A real step event: the median-sized step record of the fixture trace. */
export function sampleStepEvent(): unknown {
  const file = path.join(repoRoot(), 'test', 'fixtures', 'traces', 'v1-spiral-mlp.jsonl');
  const steps = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.includes('"kind":"step"'))
    .sort((a, b) => a.length - b.length);
  if (steps.length === 0) throw new Error(`${file}: no step records`);
  const record = decodeJson(steps[Math.floor(steps.length / 2)]) as { stats: unknown };
  return { type: 'step', stats: record.stats };
}

/** Length-prefixed JSON writer, coalescing a turn's frames like FrameWriter. */
class LengthPrefixedWriter {
  private pending: Buffer[] = [];
  private scheduled = false;

  constructor(private readonly stream: Socket) {}

  write(value: unknown): void {
    const body = Buffer.from(encodeJson(value));
    const head = Buffer.allocUnsafe(4);
    head.writeUInt32BE(body.length);
    this.pending.push(head, body);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        const chunk = Buffer.concat(this.pending);
        this.pending = [];
        this.stream.write(chunk);
      });
    }
  }
}

function readLengthPrefixed(stream: Socket, onFrame: (value: unknown) => void): void {
  let buffered: Buffer = Buffer.alloc(0);
  stream.on('data', (chunk: Buffer) => {
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
    let offset = 0;
    while (buffered.length - offset >= 4) {
      const length = buffered.readUInt32BE(offset);
      if (buffered.length - offset - 4 < length) break;
      onFrame(decodeJson(buffered.toString('utf8', offset + 4, offset + 4 + length)));
      offset += 4 + length;
    }
    buffered = buffered.subarray(offset);
  });
}

/** The sender, in the forked child: writes `count` events at the fast-run rate, then reports its CPU time. */
export function runWireSender(): void {
  const framing = process.env.ND_WIRE_FRAMING as Framing;
  const count = Number(process.env.ND_WIRE_EVENTS);
  const socket = new net.Socket({ fd: 3, readable: true, writable: true });
  const event = sampleStepEvent();
  const writer = framing === 'json-lines' ? new FrameWriter(socket) : new LengthPrefixedWriter(socket);
  let sent = 0;
  const cpuStart = process.cpuUsage();
  const timer = setInterval(() => {
    for (let i = 0; i < EVENTS_PER_TICK && sent < count; i++, sent++) writer.write(event);
    if (sent < count) return;
    clearInterval(timer);
    setImmediate(() => {
      const cpu = process.cpuUsage(cpuStart);
      // The report is the last frame, in the framing under test.
      writer.write({ type: 'report', cpuUs: cpu.user + cpu.system });
      setTimeout(() => process.exit(0), 100);
    });
  }, TICK_MS);
}

/** One measurement: a sender process, this process as the receiver. */
async function measureOnce(framing: Framing, events: number): Promise<WireResult> {
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]], {
    stdio: ['ignore', 'inherit', 'inherit', 'pipe'],
    env: { ...process.env, ND_BENCH_CHILD: 'wire-sender', ND_WIRE_FRAMING: framing, ND_WIRE_EVENTS: String(events) },
  });
  const socket = child.stdio[3] as Socket;
  let received = 0;
  let bytes = 0;
  socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
  let cpuStart: NodeJS.CpuUsage | null = null;
  return new Promise<WireResult>((resolve, reject) => {
    const onFrame = (value: unknown) => {
      const frame = value as { type: string; cpuUs?: number };
      if (frame.type === 'report') {
        const cpu = process.cpuUsage(cpuStart ?? undefined);
        resolve({
          framing,
          events: received,
          bytesPerEvent: bytes / (received + 1),
          senderUsPerEvent: frame.cpuUs! / received,
          receiverUsPerEvent: (cpu.user + cpu.system) / received,
        });
        return;
      }
      if (received++ === 0) cpuStart = process.cpuUsage();
    };
    if (framing === 'json-lines') readFrames(socket, { onFrame, onError: (e) => reject(e) });
    else readLengthPrefixed(socket, onFrame);
    child.on('exit', (code) => reject(new Error(`the wire sender exited with ${code} before its report`)));
  });
}

/** Both framings, `runs` times each in turns; the median per framing. */
export async function measureWire(runs: number, seconds: number, log: (line: string) => void): Promise<WireResult[]> {
  const events = Math.round(seconds * WIRE_EVENTS_PER_SEC);
  const all = new Map<Framing, WireResult[]>(FRAMINGS.map((f) => [f, []]));
  for (let run = 0; run < runs; run++) {
    for (const framing of run % 2 ? [...FRAMINGS].reverse() : FRAMINGS) {
      const r = await measureOnce(framing, events);
      all.get(framing)!.push(r);
      log(`  wire ${framing} run ${run + 1}: sender ${r.senderUsPerEvent.toFixed(1)} µs/event, receiver ${r.receiverUsPerEvent.toFixed(1)} µs/event`);
    }
  }
  return FRAMINGS.map((framing) => {
    const list = all.get(framing)!;
    return {
      framing,
      events: list[0].events,
      bytesPerEvent: list[0].bytesPerEvent,
      senderUsPerEvent: median(list.map((r) => r.senderUsPerEvent)),
      receiverUsPerEvent: median(list.map((r) => r.receiverUsPerEvent)),
    };
  });
}

export function formatWire(results: WireResult[], runs: number): string {
  const rows = results.map(
    (r) =>
      `| ${r.framing} | ${r.bytesPerEvent.toFixed(0)} | ${r.senderUsPerEvent.toFixed(1)} | ${r.receiverUsPerEvent.toFixed(1)} | ` +
      `${(((r.senderUsPerEvent + r.receiverUsPerEvent) * WIRE_EVENTS_PER_SEC) / 1e4).toFixed(1)} % |`,
  );
  return [
    `${WIRE_EVENTS_PER_SEC} step events/s over an fd-3 pipe between two Node processes; CPU time per event, median of ${runs} run(s)`,
    '',
    '| framing | bytes/event | sender µs/event | receiver µs/event | both, % of a core at 2,500/s |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
