/**
 * Soak: mixed traffic on one `hearth start` for a long time — web-chat sockets sending messages,
 * `/v1/chat/completions` calls (streaming and not) and Telegram messages through the Bot API fake
 * (long polling) — with Hearth's RSS sampled every 10 s. Prints the samples and the RSS slope
 * (least squares, MB per minute) after the warm-up (the first 5 minutes, or the first third of a
 * shorter run). Goal (issue 19): flat — no growth after the warm-up. Every 5 minutes it also prints
 * the RSS split by /proc/PID/smaps (V8's pages and malloc arenas are anonymous, the brk heap is
 * malloc's, SQLite's shared-memory index is a mapped file), to tell which part grows. With
 * --snapshots it takes a heap snapshot (through the inspector) at the end of the warm-up and at the
 * end of the run and prints the constructors whose live size grew; each snapshot collects garbage,
 * so the slope of such a run is not that of an undisturbed one.
 *
 *   npm run bench:soak -- [--minutes 30] [--sockets 20] [--api-rps 5] [--telegram-rps 2] [--snapshots]
 */
import { request } from 'undici';
import WebSocket from 'ws';
import { startTelegramFake } from '../../test/fakes/telegram-api.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_TOKEN, connectInspector, option, rssMb, sleep, startBenchHearth, startFakeModel } from '../lib.js';
import { smapsSplit, snapshotGrowth } from '../memory.js';

/** Least-squares slope of y over x. */
export function slope(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  const num = points.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0);
  const den = points.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  return den ? num / den : NaN;
}

async function main(): Promise<void> {
  const minutes = Number(option('--minutes', '30'));
  const socketCount = Number(option('--sockets', '20'));
  const apiRps = Number(option('--api-rps', '5'));
  const telegramRps = Number(option('--telegram-rps', '2'));
  const snapshots = process.argv.includes('--snapshots');
  const warmupMin = Math.min(5, minutes / 3);
  const model = await startFakeModel();
  const telegram = await startTelegramFake();
  const hearth = await startBenchHearth(model.baseUrl, {
    inspect: snapshots,
    channels: `telegram:\n  token: ${telegram.token}\n  apiRoot: ${telegram.baseUrl}\n  pollTimeoutSeconds: 1\n  allowFrom: ["*"]\n`,
  });
  const counts = { webchat: 0, api: 0, telegram: 0, errors: 0 };
  let firstError: string | undefined;
  const fail = (why: string) => {
    counts.errors++;
    firstError ??= why;
  };
  const timers: NodeJS.Timeout[] = [];
  const sockets: WebSocket[] = [];
  const inspector = snapshots ? await connectInspector(hearth.inspectPort!) : undefined;
  let warmSizes: Awaited<ReturnType<typeof snapshotGrowth>> | undefined;
  const snapshot = async (label: string) => {
    console.log(`heap snapshot, ${label}:`);
    return snapshotGrowth(inspector!, join(hearth.work, `${label}.heapsnapshot`), warmSizes);
  };
  const split = () =>
    Object.entries(smapsSplit(readFileSync(`/proc/${hearth.proc.pid}/smaps`, 'utf8')))
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v.toFixed(1)}`)
      .join(', ');
  try {
    // Web chat: each socket sends a message every 5 s.
    for (let i = 0; i < socketCount; i++) {
      const ws = new WebSocket(`${hearth.url.replace('http', 'ws')}/ws`);
      sockets.push(ws);
      ws.on('open', () => ws.send(JSON.stringify({ type: 'hello' })));
      ws.on('error', (err) => fail(`webchat: ${err.message}`));
      ws.on('message', (data) => {
        const ev = JSON.parse(String(data));
        if (ev.type === 'ready')
          timers.push(
            setInterval(() => ws.send(JSON.stringify({ type: 'message', text: `soak ${counts.webchat}` })), 5000),
          );
        else if (ev.type === 'done') counts.webchat++;
        else if (ev.type === 'error') fail(`webchat: ${ev.code}`);
      });
    }
    // API: alternating streaming and non-streaming completions.
    let apiTick = 0;
    timers.push(
      setInterval(() => {
        const stream = apiTick++ % 2 === 0;
        request(`${hearth.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${BENCH_TOKEN}` },
          body: JSON.stringify({ model: 'env', stream, messages: [{ role: 'user', content: 'soak' }] }),
        })
          .then(async (res) => {
            await res.body.text();
            if (res.statusCode === 200) counts.api++;
            else fail(`api: ${res.statusCode}`);
          })
          .catch((err) => fail(`api: ${err.message}`));
      }, 1000 / apiRps),
    );
    // Telegram: users in 10 chats write; Hearth long-polls the fake and answers through it.
    let tg = 0;
    timers.push(
      setInterval(() => {
        const id = 1000 + (tg++ % 10);
        telegram.userMessage({
          chat: { id, type: 'private', first_name: `u${id}` },
          from: { id, first_name: `u${id}` },
          text: `soak ${tg}`,
        });
      }, 1000 / telegramRps),
    );
    // The fake keeps every call; keep its memory (this process) bounded, counting the answers.
    timers.push(
      setInterval(() => {
        counts.telegram += telegram.calls.filter((c) => c.method === 'sendMessage').length;
        telegram.calls.splice(0);
        telegram.botMessages.clear();
      }, 10_000),
    );

    const samples: Array<[number, number]> = [];
    const t0 = Date.now();
    console.log(
      `soak: ${minutes} min, ${socketCount} web-chat sockets (1 msg / 5 s each), ${apiRps} API req/s, ${telegramRps} Telegram msg/s`,
    );
    console.log('minute   RSS MB   answered web/api/telegram   errors');
    let nextSplit = 0;
    while (Date.now() - t0 < minutes * 60_000) {
      await sleep(10_000);
      const m = (Date.now() - t0) / 60_000;
      const rss = rssMb(hearth.proc.pid!);
      samples.push([m, rss]);
      console.log(
        `${m.toFixed(2).padStart(6)}  ${rss.toFixed(1).padStart(7)}   ${`${counts.webchat}/${counts.api}/${counts.telegram}`.padStart(24)}   ${counts.errors}`,
      );
      if (m >= nextSplit) {
        console.log(`        smaps MB: ${split()}`);
        nextSplit += 5;
      }
      if (snapshots && !warmSizes && m >= warmupMin) warmSizes = await snapshot('after-warm-up');
    }
    console.log(`        smaps MB at the end: ${split()}`);
    if (snapshots) await snapshot('end');
    const after = samples.filter(([m]) => m >= warmupMin);
    const s = slope(after);
    const first = after[0]?.[1];
    const last = after.at(-1)?.[1];
    console.log(
      `RSS after the ${warmupMin.toFixed(1)} min warm-up: ${first?.toFixed(1)} → ${last?.toFixed(1)} MB, slope ${s.toFixed(2)} MB/min` +
        `   (goal: flat, |slope| ≤ 0.2 MB/min: ${Math.abs(s) <= 0.2 ? 'pass' : 'short'})`,
    );
    console.log(`errors ${counts.errors}${firstError ? ` (first: ${firstError})` : ''}`);
  } finally {
    inspector?.close();
    for (const t of timers) clearInterval(t);
    for (const ws of sockets) ws.terminate();
    await hearth.stop();
    await telegram.close();
    model.proc.kill('SIGTERM');
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
