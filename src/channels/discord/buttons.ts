/**
 * Answer buttons on Discord: an answer's `[[button:…]]` become an action row of buttons (message
 * components) under its last message; a press arrives as an `INTERACTION_CREATE` (type 3, a
 * component) and comes back as an `action` message (a value longer than the 100 characters of a
 * `custom_id` travels as a key: shared/button-values.ts). Discord wants every interaction answered
 * within 3 seconds: a press the gateway settled (an approval) updates the message to show the outcome
 * instead of its buttons (response type 7), a refused one gets an ephemeral notice (type 4), and an
 * ordinary one is acknowledged without a change (type 6) — its answer comes as a message.
 */
import {
  ButtonStyle,
  ComponentType,
  MessageFlags,
  type APIActionRowComponent,
  type APIButtonComponentWithCustomId,
  type ButtonInteraction,
} from 'discord.js';
import type { Logger } from 'pino';
import type { ActionReceipt } from '../../core/channel.js';
import type { SessionStore } from '../../core/stores.js';
import { compactValue } from '../shared/button-values.js';
import type { AnswerButton } from '../shared/buttons.js';

/** Discord's limits: 100 characters of custom_id, 80 of a label, 5 buttons a row, 5 rows. */
const CUSTOM_ID_LIMIT = 100;
const LABEL_LIMIT = 80;
const PER_ROW = 5;
const MAX_BUTTONS = 25;

/** Action rows for an answer's buttons (the first one primary, the others secondary). */
export async function actionRows(
  buttons: AnswerButton[],
  sessions: SessionStore | undefined,
): Promise<Array<APIActionRowComponent<APIButtonComponentWithCustomId>>> {
  const components: APIButtonComponentWithCustomId[] = await Promise.all(
    buttons.slice(0, MAX_BUTTONS).map(async (b, i) => ({
      type: ComponentType.Button,
      style: i === 0 ? ButtonStyle.Primary : ButtonStyle.Secondary,
      label: b.label.slice(0, LABEL_LIMIT),
      custom_id: await compactValue(b.value, { channel: 'discord', limitBytes: CUSTOM_ID_LIMIT, sessions }),
    })),
  );
  const rows: Array<APIActionRowComponent<APIButtonComponentWithCustomId>> = [];
  for (let i = 0; i < components.length; i += PER_ROW)
    rows.push({ type: ComponentType.ActionRow, components: components.slice(i, i + PER_ROW) });
  return rows;
}

/** The label of the pressed button, read from the components of the message it sits under. */
export function pressedLabel(interaction: ButtonInteraction): string | undefined {
  for (const row of interaction.message?.components ?? []) {
    if (!('components' in row)) continue;
    for (const c of row.components)
      if ('customId' in c && c.customId === interaction.customId && 'label' in c) return c.label ?? undefined;
  }
  return undefined;
}

/** Answers the interaction of a press (see the file comment for which response). Never throws. */
export async function acknowledgePress(
  interaction: ButtonInteraction,
  receipt: ActionReceipt | undefined,
  log: Logger,
): Promise<void> {
  try {
    if (receipt?.settled) {
      const content = interaction.message?.content ?? '';
      await interaction.update({
        content: (content ? `${content}\n\n${receipt.settled}` : receipt.settled).slice(0, 2000),
        components: [],
        allowedMentions: { parse: [] },
      });
    } else if (receipt) {
      await interaction.reply({ content: receipt.notice.slice(0, 2000), flags: MessageFlags.Ephemeral });
    } else {
      await interaction.deferUpdate();
    }
  } catch (err) {
    log.warn({ err: err instanceof Error ? err.message : String(err) }, 'discord: answering a button press failed');
  }
}
