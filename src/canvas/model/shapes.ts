/**
 * The canvas element as plain data, without Yjs: its fields and limits, the check of what a peer
 * or the model wrote, ids, bounds and hit tests. The renderers and the canvas skill's argument
 * checks use only this, so they load without Yjs; elements.ts (how an element lives in a room's
 * document) re-exports it.
 */
export const ELEMENTS_KEY = 'elements';
/** The only root type a room may have: updates that create any other are rejected by the server. */
export const ROOT_TYPES: readonly string[] = [ELEMENTS_KEY];

export const ELEMENT_TYPES = ['stroke', 'rect', 'ellipse', 'line', 'arrow', 'text'] as const;
export type ElementType = (typeof ELEMENT_TYPES)[number];

export interface CanvasElement {
  id: string;
  type: ElementType;
  /** CSS colour: `#rgb`, `#rrggbb` or a named colour. */
  color: string;
  /** Line width in world units. */
  width: number;
  /** stroke: x0, y0, x1, y1, …; line and arrow: exactly x1, y1, x2, y2. */
  points?: number[];
  /** rect, ellipse: top-left corner and size; text: the baseline start. */
  x?: number;
  y?: number;
  w?: number;
  h?: number;
  /** Fill colour of a rect or ellipse; none when absent. */
  fill?: string;
  text?: string;
  /** Font size of a text, in world units. */
  size?: number;
}

/** Limits every element obeys, so one element can never flood a room or a renderer. */
export const ELEMENT_LIMITS = {
  /** Coordinates stay inside ±COORD. */
  coord: 1_000_000,
  /** Numbers in a stroke's points array (x and y each count). */
  strokeNumbers: 20_000,
  textChars: 2_000,
  maxWidth: 200,
  maxFontSize: 500,
} as const;

const COLOR = /^(#[0-9a-fA-F]{3}|#[0-9a-fA-F]{6}|[a-zA-Z]{3,20})$/;
const ID = /^[A-Za-z0-9_-]{1,64}$/;

function finite(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= ELEMENT_LIMITS.coord;
}

/**
 * A checked copy of an element, or undefined when it is not one. Used on every read (a peer can
 * write anything into a Y.Map; what it wrote must not break the page or the renderers) and on the
 * skill's input.
 */
export function parseElement(raw: unknown): CanvasElement | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const r = raw as Record<string, unknown>;
  if (typeof r.id !== 'string' || !ID.test(r.id)) return undefined;
  if (typeof r.type !== 'string' || !(ELEMENT_TYPES as readonly string[]).includes(r.type)) return undefined;
  const type = r.type as ElementType;
  const color = typeof r.color === 'string' && COLOR.test(r.color) ? r.color : '#1e1e1e';
  const width = finite(r.width) && r.width > 0 ? Math.min(r.width, ELEMENT_LIMITS.maxWidth) : 3;
  const el: CanvasElement = { id: r.id, type, color, width };
  if (type === 'stroke' || type === 'line' || type === 'arrow') {
    const points = Array.isArray(r.points) ? r.points : [];
    if (points.length < 2 || points.length % 2 !== 0 || points.length > ELEMENT_LIMITS.strokeNumbers) return undefined;
    if (!points.every(finite)) return undefined;
    if (type !== 'stroke' && points.length !== 4) return undefined;
    el.points = points as number[];
    return el;
  }
  if (!finite(r.x) || !finite(r.y)) return undefined;
  el.x = r.x;
  el.y = r.y;
  if (type === 'text') {
    if (typeof r.text !== 'string' || r.text.length === 0) return undefined;
    el.text = r.text.slice(0, ELEMENT_LIMITS.textChars);
    el.size = finite(r.size) && r.size > 0 ? Math.min(r.size, ELEMENT_LIMITS.maxFontSize) : 20;
    return el;
  }
  if (!finite(r.w) || !finite(r.h)) return undefined;
  // A shape dragged up or left has a negative size; normalize it to a positive box.
  el.x = Math.min(r.x, r.x + r.w);
  el.y = Math.min(r.y, r.y + r.h);
  el.w = Math.abs(r.w);
  el.h = Math.abs(r.h);
  if (typeof r.fill === 'string' && COLOR.test(r.fill)) el.fill = r.fill;
  return el;
}

/** An id unlikely to collide across clients: time plus randomness, URL-safe. */
export function newElementId(): string {
  const random = Math.floor(Math.random() * 2 ** 48).toString(36);
  return `${Date.now().toString(36)}${random}`.slice(0, 24);
}

export interface Box {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

/** Where an element paints, padded by half its line width. */
export function elementBounds(el: CanvasElement): Box {
  const pad = el.width / 2;
  if (el.points) {
    let minX = Infinity,
      minY = Infinity,
      maxX = -Infinity,
      maxY = -Infinity;
    for (let i = 0; i < el.points.length; i += 2) {
      const x = el.points[i]!,
        y = el.points[i + 1]!;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
    // An arrow's head reaches past the line by a few widths.
    const head = el.type === 'arrow' ? el.width * 4 : 0;
    return { minX: minX - pad - head, minY: minY - pad - head, maxX: maxX + pad + head, maxY: maxY + pad + head };
  }
  if (el.type === 'text') {
    const size = el.size ?? 20;
    const chars = Math.max(...(el.text ?? '').split('\n').map((l) => l.length));
    const lines = (el.text ?? '').split('\n').length;
    return {
      minX: el.x!,
      minY: el.y! - size,
      maxX: el.x! + chars * size * 0.6,
      maxY: el.y! + (lines - 1) * size * 1.2 + size * 0.3,
    };
  }
  return { minX: el.x! - pad, minY: el.y! - pad, maxX: el.x! + el.w! + pad, maxY: el.y! + el.h! + pad };
}

/** The union of the elements' boxes, or undefined for an empty room. */
export function contentBounds(elements: readonly CanvasElement[]): Box | undefined {
  if (elements.length === 0) return undefined;
  const box = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
  for (const el of elements) {
    const b = elementBounds(el);
    box.minX = Math.min(box.minX, b.minX);
    box.minY = Math.min(box.minY, b.minY);
    box.maxX = Math.max(box.maxX, b.maxX);
    box.maxY = Math.max(box.maxY, b.maxY);
  }
  return box;
}

/** Squared distance from point p to segment ab. */
function segmentDistance2(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax,
    dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len2));
  const cx = ax + t * dx - px,
    cy = ay + t * dy - py;
  return cx * cx + cy * cy;
}

/** Whether a point (world units) touches an element, within `tolerance` (the eraser's radius). */
export function hitsElement(el: CanvasElement, x: number, y: number, tolerance: number): boolean {
  const r = tolerance + el.width / 2;
  if (el.points) {
    const p = el.points;
    if (p.length === 2) return segmentDistance2(x, y, p[0]!, p[1]!, p[0]!, p[1]!) <= r * r;
    for (let i = 0; i + 3 < p.length; i += 2)
      if (segmentDistance2(x, y, p[i]!, p[i + 1]!, p[i + 2]!, p[i + 3]!) <= r * r) return true;
    return false;
  }
  const b = elementBounds(el);
  if (el.type === 'text' || el.fill)
    return x >= b.minX - tolerance && x <= b.maxX + tolerance && y >= b.minY - tolerance && y <= b.maxY + tolerance;
  if (el.type === 'ellipse') {
    const cx = el.x! + el.w! / 2,
      cy = el.y! + el.h! / 2;
    const rx = Math.max(el.w! / 2, 1e-6),
      ry = Math.max(el.h! / 2, 1e-6);
    // Near the outline: the normalized radius is within the tolerance band around 1.
    const d = Math.hypot((x - cx) / rx, (y - cy) / ry);
    return Math.abs(d - 1) * Math.min(rx, ry) <= r;
  }
  const { x: x0, y: y0, w, h } = el as Required<Pick<CanvasElement, 'x' | 'y' | 'w' | 'h'>>;
  const edges: Array<[number, number, number, number]> = [
    [x0, y0, x0 + w, y0],
    [x0 + w, y0, x0 + w, y0 + h],
    [x0 + w, y0 + h, x0, y0 + h],
    [x0, y0 + h, x0, y0],
  ];
  return edges.some(([ax, ay, bx, by]) => segmentDistance2(x, y, ax, ay, bx, by) <= r * r);
}
