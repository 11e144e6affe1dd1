/**
 * Scale of one process: N concurrent web-chat WebSockets (/ws) on one `hearth start` in front of
 * the instant fake model, opened by several client processes, each socket sending a message every
 * interval (a minute by default) at a random phase. Prints Hearth's memory per idle socket (RSS
 * with the sockets open minus RSS before), the P50/P99 of answer latency (send → `done`) and the
 * errors. Goal (issue 19): ≤ 20 KB per idle socket and no error.
 *
 *   npm run bench:sockets -- [--sockets 10000] [--clients 4] [--minutes 2] [--interval-s 60]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { option, rssMb, sleep, startBenchHearth, startFakeModel } from '../lib.js';

interface ClientReport {
  type: 'opened' | 'report';
  open: number;
  errors: number;
  firstError?: string;
  latencies?: number[];
}

/** A client process: opens `count` sockets, then sends one message per socket per interval until told to stop. */
async function client(url: string, count: number, intervalMs: number): Promise<void> {
  const sockets: WebSocket[] = [];
  const latencies: number[] = [];
  let errors = 0;
  let stopping = false;
  let firstError: string | undefined;
  const fail = (why: string) => {
    errors++;
    firstError ??= why;
  };
  const openOne = () =>
    new Promise<void>((resolve) => {
      const ws = new WebSocket(`${url.replace('http', 'ws')}/ws`);
      let sentAt = 0;
      let opened = false;
      ws.on('open', () => ws.send(JSON.stringify({ type: 'hello' })));
      ws.on('message', (data) => {
        const ev = JSON.parse(String(data));
        if (ev.type === 'ready') {
          opened = true;
          sockets.push(ws);
          resolve();
        } else if (ev.type === 'done') {
          latencies.push(performance.now() - sentAt);
        } else if (ev.type === 'error') {
          fail(`error event: ${ev.code} ${ev.message}`);
        }
      });
      ws.on('error', (err) => {
        fail(err.message);
        if (!opened) resolve();
      });
      ws.on('close', (code) => {
        if (!stopping) fail(`closed ${code}`);
        if (!opened) resolve();
      });
      (ws as WebSocket & { sendMessage?: () => void }).sendMessage = () => {
        sentAt = performance.now();
        ws.send(JSON.stringify({ type: 'message', text: 'hello there' }));
      };
    });
  // Open in waves so the accept queue is not flooded.
  for (let i = 0; i < count; i += 100) await Promise.all(Array.from({ length: Math.min(100, count - i) }, openOne));
  process.send!({ type: 'opened', open: sockets.length, errors, firstError } satisfies ClientReport);
  const timers: NodeJS.Timeout[] = [];
  process.on('message', (msg: { type: string }) => {
    if (msg.type === 'start') {
      for (const ws of sockets) {
        const send = (ws as WebSocket & { sendMessage: () => void }).sendMessage;
        timers.push(
          setTimeout(() => {
            send();
            timers.push(setInterval(send, intervalMs));
          }, Math.random() * intervalMs),
        );
      }
    } else if (msg.type === 'stop') {
      stopping = true;
      for (const t of timers) clearTimeout(t);
      process.send!({
        type: 'report',
        open: sockets.filter((s) => s.readyState === WebSocket.OPEN).length,
        errors,
        firstError,
        latencies,
      } satisfies ClientReport);
      for (const ws of sockets) ws.terminate();
      setTimeout(() => process.exit(0), 200);
    }
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

function nextMessage(child: ChildProcess, type: ClientReport['type']): Promise<ClientReport> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: ClientReport) => {
      if (m.type !== type) return;
      child.off('message', onMessage);
      resolve(m);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`client exited ${code}`)));
  });
}

async function main(): Promise<void> {
  const sockets = Number(option('--sockets', '10000'));
  const clients = Number(option('--clients', '4'));
  const minutes = Number(option('--minutes', '2'));
  const intervalMs = Number(option('--interval-s', '60')) * 1000;
  const fake = await startFakeModel();
  const hearth = await startBenchHearth(fake.baseUrl);
  const children: ChildProcess[] = [];
  try {
    await sleep(3000);
    const idle = rssMb(hearth.proc.pid!);
    console.error(
      `hearth idle RSS ${idle.toFixed(1)} MB; opening ${sockets} sockets from ${clients} client processes…`,
    );
    const self = fileURLToPath(import.meta.url);
    for (let i = 0; i < clients; i++) {
      const count = Math.floor(sockets / clients) + (i < sockets % clients ? 1 : 0);
      children.push(
        fork(self, ['--client', hearth.url, String(count), String(intervalMs)], {
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        }),
      );
    }
    const t0 = performance.now();
    const opened = await Promise.all(children.map((c) => nextMessage(c, 'opened')));
    const openSeconds = (performance.now() - t0) / 1000;
    await sleep(5000);
    const withSockets = rssMb(hearth.proc.pid!);
    const open = opened.reduce((n, r) => n + r.open, 0);
    console.error(
      `${open} sockets open in ${openSeconds.toFixed(1)} s; sending one message per socket every ${intervalMs / 1000} s for ${minutes} min…`,
    );
    for (const c of children) c.send({ type: 'start' });
    let peak = withSockets;
    const deadline = Date.now() + minutes * 60_000;
    while (Date.now() < deadline) {
      await sleep(5000);
      peak = Math.max(peak, rssMb(hearth.proc.pid!));
    }
    const reports = await Promise.all(children.map((c) => (c.send({ type: 'stop' }), nextMessage(c, 'report'))));
    const latencies = reports.flatMap((r) => r.latencies ?? []).sort((a, b) => a - b);
    const errors = reports.reduce(
      (n, r) => n + r.errors,
      opened.reduce((n, r) => n + r.errors, 0),
    );
    const firstError = [...opened, ...reports].find((r) => r.firstError)?.firstError;
    const perSocketKb = ((withSockets - idle) * 1024) / Math.max(1, open);
    console.log(
      `Hearth web-chat sockets — ${open}/${sockets} open, one message per socket per ${intervalMs / 1000} s, ${minutes} min`,
    );
    console.log(
      `RSS idle ${idle.toFixed(1)} MB, with the sockets open ${withSockets.toFixed(1)} MB, peak under messages ${peak.toFixed(1)} MB`,
    );
    console.log(
      `memory per idle socket  ${perSocketKb.toFixed(1)} KB   (goal ≤ 20 KB: ${perSocketKb <= 20 ? 'pass' : 'short'})`,
    );
    console.log(
      `answers ${latencies.length}, latency P50 ${percentile(latencies, 50).toFixed(1)} ms, P99 ${percentile(latencies, 99).toFixed(1)} ms`,
    );
    console.log(
      `errors ${errors}${firstError ? ` (first: ${firstError})` : ''}   (goal: none: ${errors === 0 && open === sockets ? 'pass' : 'short'})`,
    );
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill();
    await hearth.stop();
    fake.proc.kill('SIGTERM');
  }
}

const i = process.argv.indexOf('--client');
if (i >= 0) {
  void client(process.argv[i + 1], Number(process.argv[i + 2]), Number(process.argv[i + 3]));
} else {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
