/**
 * A GFM table as a monospace text grid. No chat platform Hearth serves renders Markdown tables,
 * so each shows the grid in a code block, where the columns line up. Widths count code points:
 * wide (CJK, emoji) characters still shift a column, which beats dropping them.
 */
import type { AlignType, Table } from 'mdast';
import type { MarkdownDoc } from './markdown-tree.js';
import { plainText } from './plain-text.js';

/** The table as `| a | b |` lines with a `|---|---|` rule under the header row. */
export function tableGrid(table: Table, doc: MarkdownDoc): string {
  const rows = table.children.map((row) => row.children.map((cell) => plainText(cell.children, doc, true).trim()));
  const columns = Math.max(...rows.map((row) => row.length));
  const widths = Array.from({ length: columns }, (_, c) => Math.max(1, ...rows.map((row) => width(row[c] ?? ''))));
  const line = (cells: string[]): string =>
    `| ${widths.map((w, c) => pad(cells[c] ?? '', w, table.align?.[c])).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(rows[0]), rule, ...rows.slice(1).map(line)].join('\n');
}

function width(text: string): number {
  return [...text].length;
}

function pad(text: string, to: number, align: AlignType | undefined): string {
  const room = to - width(text);
  if (align === 'right') return ' '.repeat(room) + text;
  if (align === 'center') return ' '.repeat(Math.floor(room / 2)) + text + ' '.repeat(Math.ceil(room / 2));
  return text + ' '.repeat(room);
}
