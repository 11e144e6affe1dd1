/**
 * The chaos run: 2 gateways + 2 engines as separate processes on a private Redis (bus and
 * sessions) and PostgreSQL (history), web chat clients sending over many conversations, and, mid-
 * stream, `kill -9` of one engine, then of one gateway, then a Redis crash and restart. It ends when
 * every message is answered or the deadline passes, and judges what clients saw.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ChatClient } from './chat-client.js';
import { freePort } from '../harness.js';
import { PrivateRedis, startModelProcess, startRole, type Child } from './processes.js';

export interface ChaosOptions {
  messages: number;
  conversations: number;
  /** How long sending takes overall (messages of a conversation are spread over it). */
  sendOverMs: number;
  killEngineAtMs?: number;
  killGatewayAtMs?: number;
  restartRedisAtMs?: number;
  /** Give up waiting for answers after this long past the last send. */
  settleMs: number;
  postgresUrl?: string;
  log?: (line: string) => void;
}

export interface ChaosResult {
  sent: number;
  answered: number;
  lost: number;
  duplicated: number;
  reordered: number;
  reconnects: number;
  /** Answers a client learnt only from the stored history (its live stream was cut by a gateway death). */
  fromHistoryOnly: number;
  elapsedMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runChaos(o: ChaosOptions): Promise<ChaosResult> {
  const log = o.log ?? (() => undefined);
  const t0 = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'hearth-chaos-'));
  const pgUrl = o.postgresUrl ?? process.env.HEARTH_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `hearth_chaos_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const redis = new PrivateRedis(await freePort(), dir);
  const children: Child[] = [];
  const clients: ChatClient[] = [];
  try {
    await redis.start();
    const model = await startModelProcess(15);
    children.push(model.child);
    const configFile = join(dir, 'hearth.yml');
    const historyUrl = `${pgUrl}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    writeFileSync(
      configFile,
      [
        `dataDir: ${JSON.stringify(join(dir, 'data'))}`,
        'log: { level: info }',
        'models:',
        '  default: fake',
        '  retries: 0',
        `  catalog: { fake: { provider: openai, model: fake-gpt, baseUrl: ${JSON.stringify(model.baseUrl)} } }`,
        `bus: { kind: redis, url: ${JSON.stringify(redis.url)}, leaseMs: 3000, shards: 16 }`,
        'storage:',
        `  history: { kind: postgres, url: ${JSON.stringify(historyUrl)} }`,
        `  sessions: { kind: redis, url: ${JSON.stringify(redis.url)} }`,
        '',
      ].join('\n'),
    );
    const env = { HEARTH_API_TOKEN: 'chaos-admin-token-0123456789abcdef' };
    // One after the other: the first replica creates the shared data folder's files (keys, tokens).
    const start = async (role: 'gateway' | 'engine') => {
      const r = await startRole(role, configFile, env);
      children.push(r.child);
      return r;
    };
    const engines = [await start('engine'), await start('engine')];
    const gateways = [await start('gateway'), await start('gateway')];
    const alive = new Set(gateways.map((g) => g.url));
    log(`started: 2 engines, 2 gateways (${[...alive].join(', ')}), redis :${redis.port}, t=${Date.now() - t0}ms`);

    const run = randomBytes(3).toString('hex');
    for (let c = 0; c < o.conversations; c++) clients.push(new ChatClient(`chaos${run}c${c}`, () => [...alive]));
    await Promise.all(clients.map((c) => c.connect()));

    // The schedule: message k goes out at a random moment within its conversation's slot.
    const perConversation = Math.ceil(o.messages / o.conversations);
    const schedule: Array<{ at: number; client: ChatClient; n: number }> = [];
    let total = 0;
    for (let n = 0; n < perConversation; n++) {
      for (const client of clients) {
        if (total++ >= o.messages) break;
        const slot = o.sendOverMs / perConversation;
        schedule.push({ at: n * slot + Math.random() * slot * 0.9, client, n });
      }
    }
    schedule.sort((a, b) => a.at - b.at);
    const faults: Array<{ at: number; what: string; act: () => Promise<void> }> = [];
    if (o.killEngineAtMs !== undefined)
      faults.push({ at: o.killEngineAtMs, what: 'kill -9 engine 1', act: () => engines[0].child.kill9() });
    if (o.killGatewayAtMs !== undefined) {
      faults.push({
        at: o.killGatewayAtMs,
        what: 'kill -9 gateway 1',
        act: async () => {
          alive.delete(gateways[0].url);
          await gateways[0].child.kill9();
        },
      });
    }
    if (o.restartRedisAtMs !== undefined)
      faults.push({ at: o.restartRedisAtMs, what: 'kill -9 redis, restart', act: () => redis.crashAndRestart(300) });

    const began = Date.now();
    const faultRuns = faults.map(async (f) => {
      await sleep(f.at);
      const answered = clients.reduce((s, c) => s + c.sent.filter((id) => c.isAnswered(id)).length, 0);
      log(`${f.what} at t=${Date.now() - began}ms (answered so far: ${answered})`);
      await f.act();
    });
    for (const s of schedule) {
      const wait = s.at - (Date.now() - began);
      if (wait > 0) await sleep(wait);
      s.client.send(s.n);
    }
    await Promise.all(faultRuns);
    const sent = clients.reduce((s, c) => s + c.sent.length, 0);
    log(`all ${sent} sent at t=${Date.now() - began}ms; waiting for answers`);

    const deadline = Date.now() + o.settleMs;
    let lastResend = Date.now();
    while (Date.now() < deadline) {
      const missing = clients.filter((c) => c.sent.some((id) => !c.isAnswered(id)));
      if (missing.length === 0) break;
      // A real client that waited long for an answer reloads the conversation (and resends if needed).
      if (Date.now() - lastResend > 8000) {
        lastResend = Date.now();
        for (const c of missing) await c.fetchHistory([...alive][0]).catch(() => undefined);
      }
      await sleep(250);
    }

    // Final judgement from a fresh connection: stored order, and answers recovered from history.
    // Insertion order in PostgreSQL is the order engines stored turns: the processing order.
    let reordered = 0;
    for (const c of clients) {
      await c.fetchHistory([...alive][0]);
      const rows = await admin.query(`SELECT id FROM ${schema}.messages WHERE conversation_id = $1 ORDER BY seq`, [
        `webchat:${c.conversationId}`,
      ]);
      if (!c.inOrder(rows.rows.map((r) => String(r.id)))) {
        reordered++;
        log(`out of order: ${c.conversationId}: ${rows.rows.map((r) => r.id).join(' ')}`);
      }
    }
    let answered = 0;
    let duplicated = 0;
    for (const c of clients) {
      for (const id of c.sent) {
        if (c.isAnswered(id)) answered++;
        duplicated += Math.max(0, (c.liveDone.get(id) ?? 0) - 1);
      }
    }
    return {
      sent,
      answered,
      lost: sent - answered,
      duplicated,
      reordered,
      reconnects: clients.reduce((s, c) => s + c.reconnects, 0),
      fromHistoryOnly: clients.reduce(
        (s, c) => s + c.sent.filter((id) => !c.liveDone.has(id) && c.fromHistory.has(id)).length,
        0,
      ),
      elapsedMs: Date.now() - t0,
    };
  } finally {
    for (const c of clients) c.close();
    await Promise.allSettled(children.map((c) => c.stop(3000)));
    await redis.stop();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The one summary line `npm run chaos` ends with. */
export function chaosLine(r: ChaosResult): string {
  return `chaos: sent=${r.sent} answered=${r.answered} lost=${r.lost} duplicated=${r.duplicated} reordered=${r.reordered}`;
}
