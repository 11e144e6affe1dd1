/**
 * One connection to the MQTT broker for the MQTT built-in: subscribes to the allowed filters and
 * keeps the last value seen on each topic (retained values arrive right after subscribing), so a
 * read answers without a round trip. Reconnects with a doubling wait; while the broker is away a
 * publish fails at once instead of being queued to fire at some unknown later time.
 */
import { readFileSync } from 'node:fs';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { HearthConfig } from '../core/config.js';

export type MqttSettings = NonNullable<HearthConfig['skills']['mqtt']>;
export type LinkState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface SeenValue {
  payload: string;
  retained: boolean;
  /** When Hearth received it (ms epoch). */
  at: number;
}

/** Most topics whose last value is kept (oldest forgotten first). */
const maxTopics = 2_000;
/** Longest payload kept per topic. */
const maxPayloadChars = 4_000;
const firstReconnectMs = 1_000;
const publishTimeoutMs = 10_000;

export class MqttLink {
  private readonly client: MqttClient;
  private readonly seen = new Map<string, SeenValue>();
  private linkState: LinkState = 'connecting';
  private reconnectMs = firstReconnectMs;
  private reconnects = 0;
  private readonly ready: Promise<void>;

  constructor(
    private readonly settings: MqttSettings,
    private readonly log: Logger,
  ) {
    const options: IClientOptions = {
      reconnectPeriod: firstReconnectMs,
      connectTimeout: 10_000,
      clientId: `hearth-${Math.random().toString(16).slice(2, 10)}`,
      username: settings.username,
      password: settings.password,
      // A command sent while the broker is away must not fire later unasked.
      queueQoSZero: false,
    };
    if (settings.tls) {
      options.rejectUnauthorized = settings.tls.rejectUnauthorized;
      if (settings.tls.ca) options.ca = readFileSync(settings.tls.ca);
    }
    this.client = connect(settings.url, options);
    this.ready = new Promise<void>((resolve) => {
      this.client.once('connect', () => resolve());
      this.client.once('end', () => resolve());
    });
    this.client.on('connect', () => {
      const again = this.linkState === 'reconnecting';
      this.linkState = 'connected';
      this.reconnectMs = firstReconnectMs;
      this.client.options.reconnectPeriod = firstReconnectMs;
      this.log.info(
        { skill: 'mqtt', broker: this.broker(), event: again ? 'mqtt_reconnected' : 'mqtt_connected' },
        again ? 'MQTT broker reconnected' : 'MQTT broker connected',
      );
      this.subscribe();
    });
    this.client.on('message', (topic, payload, packet) => this.remember(topic, payload, packet.retain));
    this.client.on('close', () => {
      if (this.linkState === 'closed') return;
      if (this.linkState === 'connected')
        this.log.warn(
          { skill: 'mqtt', broker: this.broker(), event: 'mqtt_disconnected' },
          'MQTT broker connection lost',
        );
      this.linkState = 'reconnecting';
      // mqtt.js reads the period each time it schedules a reconnect: double it up to the ceiling.
      this.client.options.reconnectPeriod = this.reconnectMs;
      this.reconnectMs = Math.min(this.reconnectMs * 2, settings.reconnectMaxMs);
    });
    this.client.on('reconnect', () => this.reconnects++);
    // Errors (refused connection, bad credentials) are reported by state and log; never thrown.
    this.client.on('error', (err) =>
      this.log.warn({ skill: 'mqtt', broker: this.broker(), err: err.message }, 'MQTT client error'),
    );
  }

  /** Resolves once the first connection is up (or given up): tests and the first read wait on it. */
  waitConnected(timeoutMs: number): Promise<boolean> {
    return Promise.race([
      this.ready.then(() => this.client.connected),
      new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs).unref()),
    ]);
  }

  state(): LinkState {
    return this.linkState;
  }

  reconnectCount(): number {
    return this.reconnects;
  }

  /** The last value seen on a topic, if any. */
  lastValue(topic: string): SeenValue | undefined {
    return this.seen.get(topic);
  }

  /**
   * The last value of a topic, asking the broker for its retained value when none was seen yet
   * (a fresh subscription gets the retained message again); waits at most `waitMs`.
   */
  async read(topic: string, waitMs: number): Promise<SeenValue | undefined> {
    const known = this.seen.get(topic);
    if (known || !this.client.connected) return known;
    const arrived = new Promise<void>((resolve) => {
      const onMessage = (t: string) => t === topic && done();
      const timer = setTimeout(() => done(), waitMs);
      timer.unref();
      const done = () => {
        clearTimeout(timer);
        this.client.off('message', onMessage);
        resolve();
      };
      this.client.on('message', onMessage);
    });
    try {
      await this.client.subscribeAsync(topic, { qos: 1 });
      await arrived;
    } finally {
      // The exact topic may itself be one of the standing subscriptions: keep that one.
      if (!this.settings.allowTopics.includes(topic)) await this.client.unsubscribeAsync(topic).catch(() => undefined);
    }
    return this.seen.get(topic);
  }

  /** Publishes at QoS 1 and waits for the broker's acknowledgement. */
  async publish(topic: string, payload: string, retain: boolean): Promise<void> {
    if (!this.client.connected)
      throw new Error(`the MQTT broker is not reachable right now (${this.linkState}); nothing was sent`);
    await Promise.race([
      this.client.publishAsync(topic, payload, { qos: 1, retain }),
      new Promise((_, reject) =>
        setTimeout(
          () => reject(new Error('the MQTT broker did not acknowledge the message in time')),
          publishTimeoutMs,
        ).unref(),
      ),
    ]);
  }

  async close(): Promise<void> {
    this.linkState = 'closed';
    await this.client.endAsync(true).catch(() => undefined);
  }

  private subscribe(): void {
    this.client.subscribe(this.settings.allowTopics, { qos: 1 }, (err, granted) => {
      if (err) return this.log.warn({ skill: 'mqtt', err: err.message }, 'MQTT subscribe failed');
      const refused = (granted ?? []).filter((g) => g.qos === 128).map((g) => g.topic);
      if (refused.length) this.log.warn({ skill: 'mqtt', topics: refused }, 'MQTT broker refused subscriptions');
    });
  }

  private remember(topic: string, payload: Buffer, retained: boolean): void {
    this.seen.delete(topic);
    this.seen.set(topic, { payload: payload.toString('utf8').slice(0, maxPayloadChars), retained, at: Date.now() });
    if (this.seen.size > maxTopics) this.seen.delete(this.seen.keys().next().value!);
  }

  /** The broker's address without credentials, for logs. */
  private broker(): string {
    try {
      const u = new URL(this.settings.url);
      return `${u.protocol}//${u.host}`;
    } catch {
      return '(invalid url)';
    }
  }
}
