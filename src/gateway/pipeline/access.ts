/**
 * Who may talk to the assistant on a chat channel: the channel's `allowFrom` list, or — when it has
 * none — pairing: an unknown sender gets a one-time code, and an admin approves it.
 */
import { randomInt } from 'node:crypto';
import type { Message } from '../../core/message.js';
import type { HistoryStore } from '../../core/stores.js';

export type AccessDecision = { kind: 'allow' } | { kind: 'deny'; reason: string } | { kind: 'pair'; code: string; isNew: boolean };

export interface PendingPairing {
  code: string;
  channel: string;
  senderId: string;
  senderName?: string;
  chatId: string;
  createdAt: number;
}

/** Letters and digits that cannot be confused when read aloud or typed (no 0/O, 1/I/L). */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const PAIRING_TTL_MS = 60 * 60 * 1000;

export function pairingCode(length = 8): string {
  let s = '';
  for (let i = 0; i < length; i++) s += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return s;
}

/** Whether a sender matches an allowFrom entry: its id, or its username with or without `@`. */
export function allowedBy(allowFrom: readonly string[], sender: Message['sender']): boolean {
  if (allowFrom.includes('*')) return true;
  const names = [sender.id];
  if (sender.username) names.push(sender.username, `@${sender.username}`);
  return allowFrom.some((entry) => names.some((n) => n.toLowerCase() === entry.toLowerCase()));
}

export class AccessControl {
  private readonly pending = new Map<string, PendingPairing>();

  constructor(private readonly history: HistoryStore) {}

  async decide(message: Message, allowFrom: readonly string[] | undefined): Promise<AccessDecision> {
    if (allowFrom) {
      return allowedBy(allowFrom, message.sender) ? { kind: 'allow' } : { kind: 'deny', reason: 'sender not in allowFrom' };
    }
    if (await this.history.isSenderApproved(message.channel, message.sender.id)) return { kind: 'allow' };
    this.expire();
    for (const p of this.pending.values()) {
      if (p.channel === message.channel && p.senderId === message.sender.id) return { kind: 'pair', code: p.code, isNew: false };
    }
    const code = pairingCode();
    this.pending.set(code, {
      code,
      channel: message.channel,
      senderId: message.sender.id,
      senderName: message.sender.username ?? message.sender.name,
      chatId: message.chatId,
      createdAt: Date.now(),
    });
    return { kind: 'pair', code, isNew: true };
  }

  list(): PendingPairing[] {
    this.expire();
    return [...this.pending.values()];
  }

  /** Approves a pending code; returns the pairing, or undefined for an unknown or expired code. */
  async approve(code: string): Promise<PendingPairing | undefined> {
    this.expire();
    const p = this.pending.get(code.toUpperCase());
    if (!p) return undefined;
    await this.history.approveSender(p.channel, p.senderId);
    this.pending.delete(p.code);
    return p;
  }

  private expire(): void {
    const cutoff = Date.now() - PAIRING_TTL_MS;
    for (const [code, p] of this.pending) if (p.createdAt < cutoff) this.pending.delete(code);
  }
}

export function pairingMessage(code: string): string {
  return `Hi! I don't know you yet. Ask the owner of this assistant to approve pairing code ${code}.`;
}
