/**
 * Answer buttons on Telegram: an answer's `[[button:…]]` become an inline keyboard under its last
 * message, and a press (a `callback_query` update) comes back as an `action` message (a value longer
 * than the 64 bytes of `callback_data` travels as a key: shared/button-values.ts). A press is always
 * answered (`answerCallbackQuery`, which stops the client's spinner); one the gateway settled (an
 * approval) also gets its buttons replaced by the outcome line (`editMessageText`).
 */
import type { Api } from 'grammy';
import type { CallbackQuery, InlineKeyboardMarkup } from 'grammy/types';
import type { Logger } from 'pino';
import type { ActionReceipt } from '../../core/channel.js';
import type { SessionStore } from '../../core/stores.js';
import { compactValue, expandValue } from '../shared/button-values.js';
import type { AnswerButton } from '../shared/buttons.js';

/** Telegram's limit on a button's `callback_data`, in bytes. */
export const CALLBACK_DATA_LIMIT = 64;
/** Telegram's limit on the text of a callback answer. */
const NOTICE_LIMIT = 200;

/** The inline keyboard for an answer's buttons: one row for up to three, one button a row beyond. */
export async function inlineKeyboard(
  buttons: AnswerButton[],
  sessions: SessionStore | undefined,
): Promise<InlineKeyboardMarkup> {
  const keys = await Promise.all(
    buttons.map(async (b) => ({
      text: b.label,
      callback_data: await compactValue(b.value, { channel: 'telegram', limitBytes: CALLBACK_DATA_LIMIT, sessions }),
    })),
  );
  return { inline_keyboard: keys.length <= 3 ? [keys] : keys.map((k) => [k]) };
}

/** The button value a press carries (`undefined`: a stored value that is gone). */
export function pressedValue(data: string, sessions: SessionStore): Promise<string | undefined> {
  return expandValue(data, { channel: 'telegram', sessions });
}

/** The label of the pressed button, read from the keyboard of the message it sits under. */
export function pressedLabel(q: CallbackQuery): string | undefined {
  const markup = q.message && 'reply_markup' in q.message ? q.message.reply_markup : undefined;
  for (const row of markup?.inline_keyboard ?? [])
    for (const key of row) if ('callback_data' in key && key.callback_data === q.data) return key.text;
  return undefined;
}

/**
 * Answers a press: the receipt's notice as the callback answer (nothing for an ordinary button,
 * whose answer comes as a message), and — when the receipt settles the question — the message
 * edited to show the outcome instead of its buttons (its own text and formatting kept).
 */
export async function acknowledgePress(
  api: Api,
  q: CallbackQuery,
  receipt: ActionReceipt | undefined,
  log: Logger,
): Promise<void> {
  try {
    await api.answerCallbackQuery(q.id, receipt ? { text: receipt.notice.slice(0, NOTICE_LIMIT) } : {});
  } catch (err) {
    log.warn({ err: err instanceof Error ? err.message : String(err) }, 'telegram answerCallbackQuery failed');
  }
  const m = q.message;
  if (!receipt?.settled || !m) return;
  try {
    // An inaccessible message (too old, deleted) has date 0 and no text: only its keyboard can go.
    if (m.date === 0 || !('text' in m) || !m.text) {
      await api.editMessageReplyMarkup(m.chat.id, m.message_id, { reply_markup: { inline_keyboard: [] } });
      return;
    }
    await api.editMessageText(m.chat.id, m.message_id, `${m.text}\n\n${receipt.settled}`, {
      ...(m.entities ? { entities: m.entities } : {}),
      link_preview_options: { is_disabled: true },
      reply_markup: { inline_keyboard: [] },
    });
  } catch (err) {
    log.warn(
      { err: err instanceof Error ? err.message : String(err) },
      'telegram: showing the outcome of a press failed',
    );
  }
}
