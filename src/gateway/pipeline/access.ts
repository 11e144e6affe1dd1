/**
 * Who may talk to the assistant on a chat channel: the channel's `allowFrom` list, or — when it has
 * none — pairing: an unknown sender gets a one-time code, and an admin approves it.
 *
 * Pending codes live in the SessionStore (Redis when scaled), so every gateway replica sees the same
 * codes and they survive a restart of any of them; approved senders are kept in the history store.
 */
import { randomInt } from 'node:crypto';
import type { Message } from '../../core/message.js';
import type { PersonalDataSource } from '../../core/personal-data.js';
import type { HistoryStore, SessionStore } from '../../core/stores.js';

export type AccessDecision =
  { kind: 'allow' } | { kind: 'deny'; reason: string } | { kind: 'pair'; code: string; isNew: boolean };

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
/** The SessionStore has no listing: one key holds the codes pending, for `GET /admin/pairings`. */
const INDEX_KEY = 'pairing:index';
const INDEX_LOCK = 'pairing:index:lock';
const codeKey = (code: string) => `pairing:code:${code}`;
const senderKey = (channel: string, senderId: string) => `pairing:sender:${channel}:${senderId}`;

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
  constructor(
    private readonly history: HistoryStore,
    private readonly sessions: SessionStore,
  ) {}

  async decide(message: Message, allowFrom: readonly string[] | undefined): Promise<AccessDecision> {
    if (allowFrom) {
      return allowedBy(allowFrom, message.sender)
        ? { kind: 'allow' }
        : { kind: 'deny', reason: 'sender not in allowFrom' };
    }
    if (await this.history.isSenderApproved(message.channel, message.sender.id)) return { kind: 'allow' };
    const bySender = senderKey(message.channel, message.sender.id);
    const code = pairingCode();
    // setIfAbsent: two replicas seeing the sender at once agree on one code.
    if (!(await this.sessions.setIfAbsent(bySender, code, PAIRING_TTL_MS))) {
      const existing = await this.sessions.get<string>(bySender);
      if (existing && (await this.sessions.get(codeKey(existing))))
        return { kind: 'pair', code: existing, isNew: false };
      await this.sessions.set(bySender, code, PAIRING_TTL_MS);
    }
    const pending: PendingPairing = {
      code,
      channel: message.channel,
      senderId: message.sender.id,
      senderName: message.sender.username ?? message.sender.name,
      chatId: message.chatId,
      createdAt: Date.now(),
    };
    await this.sessions.set(codeKey(code), pending, PAIRING_TTL_MS);
    await this.updateIndex((codes) => [...codes, code]);
    return { kind: 'pair', code, isNew: true };
  }

  /** The codes pending now (expired and approved ones left out). */
  async list(): Promise<PendingPairing[]> {
    const out: PendingPairing[] = [];
    for (const code of (await this.sessions.get<string[]>(INDEX_KEY)) ?? []) {
      const p = await this.sessions.get<PendingPairing>(codeKey(code));
      if (p) out.push(p);
    }
    return out;
  }

  /** Approves a pending code; returns the pairing, or undefined for an unknown or expired code. */
  async approve(code: string): Promise<PendingPairing | undefined> {
    const upper = code.toUpperCase();
    const p = await this.sessions.get<PendingPairing>(codeKey(upper));
    if (!p) return undefined;
    await this.history.approveSender(p.channel, p.senderId);
    await this.sessions.delete(codeKey(upper));
    await this.sessions.delete(senderKey(p.channel, p.senderId));
    await this.updateIndex((codes) => codes.filter((c) => c !== upper));
    return p;
  }

  /** Drops every pending code of one sender (per-user deletion); returns how many. */
  async forget(senderId: string): Promise<number> {
    const mine = (await this.list()).filter((p) => p.senderId === senderId);
    for (const p of mine) {
      await this.sessions.delete(codeKey(p.code));
      await this.sessions.delete(senderKey(p.channel, p.senderId));
    }
    if (mine.length) await this.updateIndex((codes) => codes.filter((c) => !mine.some((p) => p.code === c)));
    return mine.length;
  }

  /** The pending pairings of each sender, for per-user export and deletion. */
  personalData(): PersonalDataSource {
    return {
      name: 'pendingPairings',
      export: async (senderId) => (await this.list()).filter((p) => p.senderId === senderId),
      delete: (senderId) => this.forget(senderId),
    };
  }

  /**
   * Read-modify-write of the index under a short lock (replicas may issue codes at once). Codes
   * whose entry expired are dropped on the way. If the lock cannot be had, the index is written
   * anyway: a code missing from the list can still be approved by name, which beats blocking a chat.
   */
  private async updateIndex(change: (codes: string[]) => string[]): Promise<void> {
    let locked = false;
    for (let i = 0; i < 50 && !locked; i++) {
      locked = await this.sessions.setIfAbsent(INDEX_LOCK, true, 2000);
      if (!locked) await new Promise((r) => setTimeout(r, 20));
    }
    try {
      const live: string[] = [];
      for (const c of (await this.sessions.get<string[]>(INDEX_KEY)) ?? [])
        if (await this.sessions.get(codeKey(c))) live.push(c);
      await this.sessions.set(INDEX_KEY, [...new Set(change(live))], PAIRING_TTL_MS);
    } finally {
      if (locked) await this.sessions.delete(INDEX_LOCK);
    }
  }
}

export function pairingMessage(code: string): string {
  return `Hi! I don't know you yet. Ask the owner of this assistant to approve pairing code ${code}.`;
}
