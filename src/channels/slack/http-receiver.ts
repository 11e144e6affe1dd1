/**
 * Events API mode: a Bolt `Receiver` fed by Hearth's own Fastify server at `/webhooks/slack`
 * instead of Bolt's HTTP server. Every request's signature and timestamp are verified on the raw
 * body first; a bad one gets 401 and a log line.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import { ErrorCode } from '../../core/errors.js';
import { openObject, responses } from '../../core/route-schema.js';
import { verifySlackSignature } from './signature.js';

/** How long a request waits for Bolt to `ack()` before answering 200 anyway (Slack gives up at 3 s). */
const ACK_WAIT_MS = 2500;

export class FastifySlackReceiver implements Receiver {
  private app: App | undefined;

  constructor(
    private readonly signingSecret: string,
    private readonly replayWindowSeconds: number,
    private readonly log: Logger,
  ) {}

  init(app: App): void {
    this.app = app;
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.app = undefined;
    return Promise.resolve();
  }

  /** Registers POST /webhooks/slack (JSON events and form-encoded interactivity) with raw bodies. */
  routes(app: FastifyInstance): void {
    app.register(async (scope) => {
      const raw = (_req: unknown, body: Buffer, done: (err: Error | null, body?: Buffer) => void) => done(null, body);
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, raw);
      scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, raw);
      const schema = {
        summary: 'Slack Events API and interactivity (events mode)',
        description: 'Signed with `X-Slack-Signature` and `X-Slack-Request-Timestamp`; JSON or form-encoded.',
        response: responses({
          200: {
            description: 'Taken; a url_verification answers its challenge',
            content: {
              'application/json': { schema: openObject({ challenge: { type: 'string' } }) },
              'text/plain': { schema: { type: 'string' } },
            },
          },
        }),
      };
      scope.post('/webhooks/slack', { schema }, async (req, reply) => {
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const verdict = verifySlackSignature(
          this.signingSecret,
          {
            signature: header(req.headers['x-slack-signature']),
            timestamp: header(req.headers['x-slack-request-timestamp']),
          },
          body,
          this.replayWindowSeconds,
        );
        if (!verdict.ok) {
          this.log.warn(
            { code: ErrorCode.unauthorized, reason: verdict.reason, ip: req.ip },
            'slack: webhook request rejected',
          );
          return reply.code(401).send({ error: { code: ErrorCode.unauthorized, message: verdict.reason } });
        }
        const payload = parsePayload(body, header(req.headers['content-type']) ?? '');
        if (!payload) {
          this.log.warn(
            { code: ErrorCode.badRequest, reason: 'body is not a JSON object' },
            'slack: malformed webhook payload skipped',
          );
          return reply.code(400).send({ error: { code: ErrorCode.badRequest, message: 'malformed payload' } });
        }
        if (payload.type === 'url_verification') return reply.send({ challenge: payload.challenge });
        if (!this.app)
          return reply.code(503).send({ error: { code: ErrorCode.channel, message: 'slack channel not ready' } });
        const retryNum = Number(header(req.headers['x-slack-retry-num']));
        const ack = await this.dispatch(
          payload,
          Number.isFinite(retryNum) ? retryNum : undefined,
          header(req.headers['x-slack-retry-reason']),
        );
        if (ack === undefined || ack === '') return reply.code(200).send('');
        return typeof ack === 'string' ? reply.code(200).type('text/plain').send(ack) : reply.code(200).send(ack);
      });
    });
  }

  private async dispatch(
    body: Record<string, unknown>,
    retryNum: number | undefined,
    retryReason: string | undefined,
  ): Promise<unknown> {
    const app = this.app;
    if (!app) return undefined;
    let timer: NodeJS.Timeout | undefined;
    return new Promise<unknown>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ACK_WAIT_MS);
      const event: ReceiverEvent = {
        body,
        retryNum,
        retryReason,
        ack: async (response?: unknown) => resolve(response),
      };
      app.processEvent(event).then(
        () => resolve(undefined),
        (error: unknown) => {
          this.log.warn(
            { code: ErrorCode.channel, err: error instanceof Error ? error.message : String(error) },
            'slack: event handling failed',
          );
          resolve(undefined);
        },
      );
    }).finally(() => clearTimeout(timer));
  }
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** JSON events, or interactivity's `payload=<json>` form. Returns undefined for anything else. */
export function parsePayload(body: Buffer, contentType: string): Record<string, unknown> | undefined {
  try {
    const text = body.toString('utf8');
    const parsed: unknown = contentType.startsWith('application/x-www-form-urlencoded')
      ? JSON.parse(new URLSearchParams(text).get('payload') ?? '')
      : JSON.parse(text);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
