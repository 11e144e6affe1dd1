/**
 * Splits a long Markdown answer into pieces a platform accepts in one message, cutting at the
 * last paragraph break, line break or space before the limit, and closing/reopening a code
 * fence that a cut falls inside so every piece renders on its own.
 */

const fenceLine = /^\s*(```|~~~)/;

/** Returns the fence line left open at the end of `text`, if any. */
function openFence(text: string): string | undefined {
  let open: string | undefined;
  for (const line of text.split('\n')) {
    if (fenceLine.test(line)) open = open ? undefined : line.trim();
  }
  return open;
}

function cutIndex(text: string, max: number): number {
  const window = text.slice(0, max);
  for (const separator of ['\n\n', '\n', ' ']) {
    const at = window.lastIndexOf(separator);
    if (at > max / 2) return at + separator.length;
  }
  // No good break: hard cut, but never between the two halves of a surrogate pair.
  const code = text.charCodeAt(max - 1);
  return code >= 0xd800 && code <= 0xdbff ? max - 1 : max;
}

/**
 * Splits `text` into pieces of at most `limit` UTF-16 code units (the unit Telegram, 4096, and
 * Discord, 2000, count in; each channel passes its own limit). Text within the limit comes back
 * as one piece.
 */
export function splitMessage(text: string, limit: number): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const reserve = 4; // room for a closing "\n```"
    const at = cutIndex(rest, limit - reserve);
    let piece = rest.slice(0, at);
    rest = rest.slice(at);
    const fence = openFence(piece);
    // Reopen with the fence marker and its language tag only (a long fence line must not be carried
    // over whole), and only when that still leaves the rest shorter: every turn must make progress.
    const opener = fence && (/^(```|~~~)[\w+#.-]{0,20}/.exec(fence)?.[0] ?? fence.slice(0, 3));
    if (opener && opener.length + 1 < at / 2) {
      piece = piece.replace(/\n?$/, '\n') + opener.slice(0, 3);
      rest = `${opener}\n${rest}`;
    }
    pieces.push(piece.trimEnd());
    rest = rest.replace(/^\n+/, '');
  }
  if (rest.trim().length > 0 || pieces.length === 0) pieces.push(rest);
  return pieces;
}
