/**
 * A room's elements as an SVG document: the export format, and the input of the PNG rasterizer.
 * Pure: elements in, text out. Colours and numbers were checked by `parseElement`, and text is
 * escaped, so nothing a peer wrote can inject markup.
 */
import { contentBounds, type Box, type CanvasElement } from '../model/shapes.js';

const PADDING = 20;
/** The size of an empty room's export. */
const EMPTY: Box = { minX: 0, minY: 0, maxX: 800, maxY: 600 };

function escapeXml(text: string): string {
  return text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
  );
}

function num(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/\.?0+$/, '');
}

/** The two short lines of an arrow head at (x2, y2) pointing away from (x1, y1). */
export function arrowHead(
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  width: number,
): [number, number, number, number] {
  const angle = Math.atan2(y2 - y1, x2 - x1);
  const len = Math.max(10, width * 4);
  const spread = Math.PI / 7;
  return [
    x2 - len * Math.cos(angle - spread),
    y2 - len * Math.sin(angle - spread),
    x2 - len * Math.cos(angle + spread),
    y2 - len * Math.sin(angle + spread),
  ];
}

function elementSvg(el: CanvasElement): string {
  const stroke = `stroke="${el.color}" stroke-width="${num(el.width)}" stroke-linecap="round" stroke-linejoin="round"`;
  const p = el.points;
  switch (el.type) {
    case 'stroke': {
      if (p!.length === 2)
        return `<circle cx="${num(p![0]!)}" cy="${num(p![1]!)}" r="${num(el.width / 2)}" fill="${el.color}"/>`;
      let d = `M${num(p![0]!)} ${num(p![1]!)}`;
      for (let i = 2; i < p!.length; i += 2) d += `L${num(p![i]!)} ${num(p![i + 1]!)}`;
      return `<path d="${d}" fill="none" ${stroke}/>`;
    }
    case 'line':
      return `<line x1="${num(p![0]!)}" y1="${num(p![1]!)}" x2="${num(p![2]!)}" y2="${num(p![3]!)}" ${stroke}/>`;
    case 'arrow': {
      const [ax, ay, bx, by] = arrowHead(p![0]!, p![1]!, p![2]!, p![3]!, el.width);
      const d = `M${num(p![0]!)} ${num(p![1]!)}L${num(p![2]!)} ${num(p![3]!)}M${num(ax)} ${num(ay)}L${num(p![2]!)} ${num(p![3]!)}L${num(bx)} ${num(by)}`;
      return `<path d="${d}" fill="none" ${stroke}/>`;
    }
    case 'rect':
      return `<rect x="${num(el.x!)}" y="${num(el.y!)}" width="${num(el.w!)}" height="${num(el.h!)}" fill="${el.fill ?? 'none'}" ${stroke}/>`;
    case 'ellipse':
      return `<ellipse cx="${num(el.x! + el.w! / 2)}" cy="${num(el.y! + el.h! / 2)}" rx="${num(el.w! / 2)}" ry="${num(el.h! / 2)}" fill="${el.fill ?? 'none'}" ${stroke}/>`;
    case 'text': {
      const size = el.size ?? 20;
      const lines = (el.text ?? '').split('\n');
      const spans = lines
        .map((line, i) => `<tspan x="${num(el.x!)}" dy="${i === 0 ? 0 : num(size * 1.2)}">${escapeXml(line)}</tspan>`)
        .join('');
      return `<text x="${num(el.x!)}" y="${num(el.y!)}" font-family="DejaVu Sans, Arial, sans-serif" font-size="${num(size)}" fill="${el.color}">${spans}</text>`;
    }
  }
}

export interface SvgOptions {
  /** The world area shown; default: everything drawn, padded. */
  box?: Box;
}

/** The world area an export shows: everything drawn, padded (a default page for an empty room). */
export function exportBox(elements: readonly CanvasElement[]): Box {
  const content = contentBounds(elements);
  return content
    ? {
        minX: content.minX - PADDING,
        minY: content.minY - PADDING,
        maxX: content.maxX + PADDING,
        maxY: content.maxY + PADDING,
      }
    : EMPTY;
}

/** The elements as a standalone SVG document on a white background. */
export function renderSvg(elements: readonly CanvasElement[], options: SvgOptions = {}): string {
  const box = options.box ?? exportBox(elements);
  const w = Math.max(1, box.maxX - box.minX);
  const h = Math.max(1, box.maxY - box.minY);
  const body = elements.map(elementSvg).join('\n');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${num(w)}" height="${num(h)}" viewBox="${num(box.minX)} ${num(box.minY)} ${num(w)} ${num(h)}">\n` +
    `<rect x="${num(box.minX)}" y="${num(box.minY)}" width="${num(w)}" height="${num(h)}" fill="#ffffff"/>\n` +
    `${body}\n</svg>\n`
  );
}
