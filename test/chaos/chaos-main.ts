/**
 * `npm run chaos`: 1,000 messages over 100 conversations through 2 gateways and 2 engines, with an
 * engine and a gateway killed and Redis crashed and restarted mid-stream. Prints progress to stderr
 * and ends with one line on stdout; exits 1 unless every message was answered once and in order.
 */
import { chaosLine, runChaos } from './run-chaos.js';

const result = await runChaos({
  messages: Number(process.env.CHAOS_MESSAGES ?? 1000),
  conversations: Number(process.env.CHAOS_CONVERSATIONS ?? 100),
  sendOverMs: 20_000,
  killEngineAtMs: 5_000,
  killGatewayAtMs: 9_000,
  restartRedisAtMs: 13_000,
  settleMs: 60_000,
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stderr.write(
  `(${result.reconnects} client reconnects, ${result.fromHistoryOnly} answers recovered from history after a lost socket, ${Math.round(result.elapsedMs / 1000)} s)\n`,
);
console.log(chaosLine(result));
process.exit(result.lost === 0 && result.duplicated === 0 && result.reordered === 0 && result.sent > 0 ? 0 : 1);
