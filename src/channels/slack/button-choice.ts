/**
 * What an answer looks like once one of its buttons was clicked: Slack apps replace the buttons by
 * a line saying who chose what, so the choice is visible and cannot be clicked twice. Pure.
 */
import type { types } from '@slack/bolt';
import { escapeMrkdwn } from './markdown.js';
import { BUTTON_ACTION_PREFIX } from './replies.js';

type Block = types.KnownBlock | types.Block;

/** True for the actions block Hearth rendered the answer's buttons into. */
function isAnswerButtons(block: Block): boolean {
  if (block.type !== 'actions') return false;
  const elements = (block as types.ActionsBlock).elements ?? [];
  return elements.some(
    (e) => 'action_id' in e && typeof e.action_id === 'string' && e.action_id.startsWith(BUTTON_ACTION_PREFIX),
  );
}

/**
 * The clicked message's new blocks: its own blocks (as the `block_actions` payload carries them)
 * without the buttons, plus a context line "✅ <@user> chose *label*". A message without blocks
 * keeps its text as a section.
 */
export function blocksAfterChoice(
  message: { text?: string; blocks?: Block[] },
  label: string,
  userId: string,
): Block[] {
  const kept = (message.blocks ?? []).filter((b) => !isAnswerButtons(b));
  if (kept.length === 0 && message.text?.trim())
    kept.push({ type: 'section', text: { type: 'mrkdwn', text: message.text } });
  kept.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `✅ <@${userId}> chose *${escapeMrkdwn(label)}*` }],
  });
  return kept;
}
