/**
 * Buttons on WhatsApp Web. A linked-device account cannot send interactive buttons reliably, so an
 * answer's buttons go out as a numbered list; the user answers "2" (or types the label) and that
 * reply, from the same chat shortly after, is turned back into the button's click.
 */
import type { AnswerButton } from '../shared/buttons.js';

/** How long after the list a reply still counts as a choice. */
export const CHOICE_WINDOW_MS = 10 * 60_000;

/** The numbered list appended to an answer's text. */
export function choiceList(buttons: AnswerButton[]): string {
  return buttons.map((b, i) => `${i + 1}. ${b.label}`).join('\n');
}

/** The button a reply picks: its number ("2", "2.", "#2") or its exact label, ignoring case. */
export function pickChoice(buttons: AnswerButton[], reply: string): AnswerButton | undefined {
  const text = reply.trim();
  const number = /^#?(\d{1,2})[.)]?$/.exec(text);
  if (number) return buttons[Number(number[1]) - 1];
  const lower = text.toLowerCase();
  return buttons.find((b) => b.label.trim().toLowerCase() === lower);
}

/** The lists offered per chat (the latest one wins), each valid for `windowMs`. */
export class PendingChoices {
  private readonly byChat = new Map<string, { buttons: AnswerButton[]; at: number }>();

  constructor(private readonly windowMs = CHOICE_WINDOW_MS) {}

  /** Records that `buttons` were just offered in `chatId`. */
  offer(chatId: string, buttons: AnswerButton[], now = Date.now()): void {
    this.byChat.delete(chatId);
    this.byChat.set(chatId, { buttons, at: now });
    if (this.byChat.size > 1000) this.byChat.delete(this.byChat.keys().next().value as string);
  }

  /**
   * The button a reply in `chatId` picks, if a list is open there and the reply names one of its
   * buttons. A match closes the list, so a later "1" is an ordinary message again.
   */
  take(chatId: string, reply: string, now = Date.now()): AnswerButton | undefined {
    const open = this.byChat.get(chatId);
    if (!open) return undefined;
    if (now - open.at > this.windowMs) {
      this.byChat.delete(chatId);
      return undefined;
    }
    const picked = pickChoice(open.buttons, reply);
    if (picked) this.byChat.delete(chatId);
    return picked;
  }
}
