/**
 * The inbound pipeline every channel feeds: the steps of steps.ts composed in order. Feature
 * plugins add their own steps with `use()` before the channels start; added steps run after
 * routing and enrichment, right before the message goes to the bus — where, say, an approval
 * answer (`yes` / `no`) can be taken out of the conversation.
 */
import type { Logger } from 'pino';
import type { Bus } from '../../core/bus.js';
import type { ActionReceipt } from '../../core/channel.js';
import type { HearthConfig } from '../../core/config.js';
import type { Message } from '../../core/message.js';
import type { AccessControl } from './access.js';
import { compose, type ChannelPolicy, type Inbound, type Step } from './compose.js';
import {
  accessStep,
  botFilter,
  knownChannel,
  mentionRule,
  publishInbound,
  routing,
  senderLimit,
  shutdownGate,
  type SenderLimit,
} from './steps.js';

export type { ChannelPolicy, Inbound, Step } from './compose.js';

export interface PipelineDeps {
  bus: Bus;
  access: AccessControl;
  log: Logger;
  routes: () => HearthConfig['routes'];
  policy: (channel: string) => ChannelPolicy | undefined;
  accepting: () => boolean;
  senderLimit: SenderLimit;
  /** Steps that fill in the routed message before it leaves (voice-note transcription). Must not throw. */
  enrich?: readonly Step[];
}

export class InboundPipeline {
  private readonly extra: Step[] = [];
  private run?: (inbound: Inbound) => Promise<void>;

  constructor(private readonly deps: PipelineDeps) {}

  /** Adds a step before the bus. Call before the first message (the steps are composed then). */
  use(step: Step): this {
    if (this.run) throw new Error('pipeline steps must be added before the first message');
    this.extra.push(step);
    return this;
  }

  /** The steps in order (composed once, at the first message). */
  steps(): Step[] {
    const d = this.deps;
    return [
      shutdownGate(d.accepting),
      knownChannel,
      botFilter,
      mentionRule,
      senderLimit(d.senderLimit),
      accessStep(d.access, d.bus),
      routing(d.routes),
      ...(d.enrich ?? []),
      ...this.extra,
      publishInbound(d.bus),
    ];
  }

  /** Takes one message from a channel. Throws only what its sender must be told (shutting down, rate-limited). */
  async receive(message: Message): Promise<ActionReceipt | void> {
    this.run ??= compose(this.steps());
    const meta = { requestId: message.id, channel: message.channel };
    const inbound: Inbound = { message, policy: this.deps.policy(message.channel), log: this.deps.log, meta };
    await this.run(inbound);
    return inbound.receipt;
  }
}
