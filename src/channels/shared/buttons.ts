/**
 * Interactive buttons in answers, shared by every channel that shows them. The model (or a skill)
 * writes markup like `[[button:Yes|confirm-yes]]`; it is stripped from the text and each channel
 * renders the buttons its own way (Slack Block Kit buttons, WhatsApp reply buttons or a numbered
 * list). A click comes back as a `Message` of kind `action` whose `value` is the button's value.
 */

/** One button of an answer: what it shows and what a click sends back. */
export interface AnswerButton {
  label: string;
  value: string;
}

const buttonPattern = /\[\[button:([^|\]\n]+)(?:\|([^\]\n]+))?\]\]/g;

/** Splits an answer into its text (button markup removed) and its buttons, in order. */
export function extractButtons(text: string): { text: string; buttons: AnswerButton[] } {
  const buttons: AnswerButton[] = [];
  const stripped = text.replace(buttonPattern, (_m, label: string, value: string | undefined) => {
    buttons.push({ label: label.trim(), value: (value ?? label).trim() });
    return '';
  });
  return {
    text: stripped
      .replace(/[ \t]+\n/g, '\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim(),
    buttons,
  };
}

/**
 * The text to show while an answer is still streaming: complete button markup removed, and an
 * unfinished `[[…` at the very end hidden so half-written markup never flashes on screen.
 */
export function streamingText(text: string): string {
  const { text: shown } = extractButtons(text);
  const open = shown.lastIndexOf('[[');
  return (open >= 0 && !shown.slice(open).includes(']]') ? shown.slice(0, open) : shown).trimEnd();
}
