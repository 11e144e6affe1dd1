/**
 * The canvas's one noun: an element (a freehand stroke, a shape or a text), and how it lives in a
 * Yjs document. Pure and browser-safe (only `yjs`): the page, the server, the renderers and the
 * skill all read and write rooms through this file, so there is one definition of an element.
 *
 * Layout of a room's document: the root array `elements` holds the elements in paint order (last
 * on top). A shape or text is one plain value (one Yjs item: a 5,000-element room stays small and
 * loads fast). A freehand stroke is a `Y.Map` of two entries — `e`, its fixed fields as one plain
 * value, and `points`, a `Y.Array<number>` (x0, y0, x1, y1, …) — so it grows point by point while
 * it is drawn and every client sees it as it is drawn. (Turning a finished stroke into a plain
 * value would be smaller still, but a replace races with a concurrent erase and brings the stroke
 * back; the chaos test caught exactly that.) Coordinates are world units; the page opens with world (0, 0) at the
 * top-left corner of the drawing surface and zoom 1, for everyone.
 */
import * as Y from 'yjs';
import { ELEMENTS_KEY, parseElement, type CanvasElement } from './shapes.js';

export * from './shapes.js';

/** What the element list holds: a plain value, or a stroke's Y.Map. */
export type StoredElement = Y.Map<unknown> | Record<string, unknown>;

/** The room's element list (created on first use). */
export function elementsOf(doc: Y.Doc): Y.Array<StoredElement> {
  return doc.getArray<StoredElement>(ELEMENTS_KEY);
}

/** A stroke's Y.Map as a plain object: its `e` fields, then its other entries (nested Y.Arrays as arrays). */
function plain(map: Y.Map<unknown>): Record<string, unknown> {
  const fixed = map.get('e');
  const out: Record<string, unknown> =
    fixed && typeof fixed === 'object' && !Array.isArray(fixed) ? { ...(fixed as Record<string, unknown>) } : {};
  for (const [k, v] of map.entries()) if (k !== 'e') out[k] = v instanceof Y.Array ? v.toArray() : v;
  return out;
}

/** One stored element, checked; undefined for anything malformed a peer wrote. */
export function readElement(item: unknown): CanvasElement | undefined {
  if (item instanceof Y.Map) return parseElement(plain(item));
  return parseElement(item);
}

/** The id of a stored element, if it has one. */
export function storedId(item: unknown): string | undefined {
  const fields = item instanceof Y.Map ? item.get('e') : item;
  const id = fields && typeof fields === 'object' ? (fields as Record<string, unknown>).id : undefined;
  return typeof id === 'string' ? id : undefined;
}

/** The valid elements of a room in paint order; anything malformed is skipped. */
export function readElements(doc: Y.Doc): CanvasElement[] {
  const out: CanvasElement[] = [];
  for (const item of elementsOf(doc)) {
    const el = readElement(item);
    if (el) out.push(el);
  }
  return out;
}

/** An element as the plain value stored in `elements` (no undefined fields: Yjs rejects them). */
export function elementValue(el: CanvasElement): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(el)) if (v !== undefined) out[k] = Array.isArray(v) ? [...v] : v;
  return out;
}

/** A stroke to be stored: a Y.Map whose `points` Y.Array can keep growing as the pen moves. */
export function liveStroke(el: CanvasElement): Y.Map<unknown> {
  const { points: initial, ...fixed } = elementValue(el);
  const map = new Y.Map<unknown>();
  map.set('e', fixed);
  const points = new Y.Array<number>();
  points.push((initial as number[] | undefined) ?? []);
  map.set('points', points);
  return map;
}

/** How an element is stored: strokes as growable maps, everything else as one plain value. */
export function storedElement(el: CanvasElement): StoredElement {
  return el.type === 'stroke' ? liveStroke(el) : elementValue(el);
}

/** Removes the elements with these ids. Returns how many went. */
export function removeElements(doc: Y.Doc, ids: ReadonlySet<string>, origin?: unknown): number {
  const list = elementsOf(doc);
  let removed = 0;
  doc.transact(() => {
    for (let i = list.length - 1; i >= 0; i--) {
      const id = storedId(list.get(i));
      if (id !== undefined && ids.has(id)) {
        list.delete(i, 1);
        removed++;
      }
    }
  }, origin);
  return removed;
}
