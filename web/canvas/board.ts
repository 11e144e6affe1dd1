// The drawing surface: one <canvas> filling the window, painted from the room's document, and the
// pointer input that edits it (mouse, pen and touch alike, through pointer events). World
// coordinates: the view opens at world (0, 0) in the top-left corner at zoom 1 for everyone, so
// at one window size a stroke sits at the same place on every screen until someone pans or zooms.
import * as Y from 'yjs';
import {
  ELEMENT_LIMITS,
  elementValue,
  hitsElement,
  liveStroke,
  newElementId,
  parseElement,
  readElement,
  removeElements,
  type CanvasElement,
} from '../../src/canvas/model/elements.js';
import { paintCursor, paintElement } from './paint.js';
import type { RoomSession } from './session.js';

export type Tool = 'pen' | 'rect' | 'ellipse' | 'line' | 'arrow' | 'text' | 'eraser' | 'pan';

export interface View {
  x: number;
  y: number;
  zoom: number;
}

export interface BoardCallbacks {
  /** The text tool was clicked at this screen point (world point given too). */
  onTextAt(screen: { x: number; y: number }, world: { x: number; y: number }): void;
  onView(view: View): void;
  onElements(count: number): void;
}

const MIN_ZOOM = 0.1;
const MAX_ZOOM = 8;
const CURSOR_INTERVAL_MS = 40;

function round(v: number): number {
  return Math.round(v * 10) / 10;
}

export class Board {
  tool: Tool = 'pen';
  color = '#1e1e1e';
  width = 3;
  view: View = { x: 0, y: 0, zoom: 1 };
  private readonly ctx: CanvasRenderingContext2D;
  /** Parsed strokes by their Y.Map, dropped when the map (or its points) change. */
  private readonly cache = new Map<Y.Map<unknown>, CanvasElement | undefined>();
  /** Parsed plain elements: stored values never change, so they are keys themselves. */
  private readonly settled = new WeakMap<object, CanvasElement | null>();
  private readonly pointers = new Map<number, { x: number; y: number }>();
  private draft?: CanvasElement;
  private live?: { points: Y.Array<number>; count: number; lastX: number; lastY: number };
  private gesture?:
    | { kind: 'pan'; x: number; y: number }
    | { kind: 'pinch'; distance: number; cx: number; cy: number }
    | { kind: 'shape'; x: number; y: number }
    | { kind: 'erase' }
    | { kind: 'text'; screen: { x: number; y: number }; world: { x: number; y: number } };
  private frame = 0;
  private lastCursor = 0;
  private spaceDown = false;
  private readonly cleanup: Array<() => void> = [];

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly session: RoomSession,
    private readonly callbacks: BoardCallbacks,
  ) {
    this.ctx = canvas.getContext('2d')!;
    const onDeep = (events: Array<Y.YEvent<Y.AbstractType<unknown>>>) => {
      for (const e of events) {
        let t: Y.AbstractType<unknown> | null = e.target;
        while (t && !(t instanceof Y.Map)) t = t.parent as Y.AbstractType<unknown> | null;
        if (t) this.cache.delete(t as Y.Map<unknown>);
      }
      this.requestRender();
    };
    session.elements.observeDeep(onDeep);
    this.cleanup.push(() => session.elements.unobserveDeep(onDeep));
    const onAwareness = () => this.requestRender();
    session.provider.awareness.on('change', onAwareness);
    this.cleanup.push(() => session.provider.awareness.off('change', onAwareness));
    this.listen(canvas, 'pointerdown', (e) => this.down(e as PointerEvent));
    this.listen(canvas, 'pointermove', (e) => this.move(e as PointerEvent));
    this.listen(canvas, 'pointerup', (e) => this.up(e as PointerEvent));
    this.listen(canvas, 'pointercancel', (e) => this.up(e as PointerEvent));
    this.listen(canvas, 'pointerleave', () => this.session.setCursor(null));
    this.listen(canvas, 'wheel', (e) => this.wheel(e as WheelEvent), { passive: false });
    this.listen(window, 'keydown', (e) => {
      if ((e as KeyboardEvent).code === 'Space' && (e.target as HTMLElement).tagName !== 'INPUT') this.spaceDown = true;
    });
    this.listen(window, 'keyup', (e) => {
      if ((e as KeyboardEvent).code === 'Space') this.spaceDown = false;
    });
    const resize = new ResizeObserver(() => this.resize());
    resize.observe(canvas);
    this.cleanup.push(() => resize.disconnect());
    this.resize();
  }

  destroy(): void {
    cancelAnimationFrame(this.frame);
    for (const c of this.cleanup) c();
  }

  requestRender(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  /** Screen (CSS pixels, relative to the canvas) to world. */
  toWorld(sx: number, sy: number): { x: number; y: number } {
    return { x: this.view.x + sx / this.view.zoom, y: this.view.y + sy / this.view.zoom };
  }

  zoomAt(factor: number, sx = this.canvas.clientWidth / 2, sy = this.canvas.clientHeight / 2): void {
    const zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, this.view.zoom * factor));
    const before = this.toWorld(sx, sy);
    this.view = { zoom, x: before.x - sx / zoom, y: before.y - sy / zoom };
    this.viewChanged();
  }

  resetView(): void {
    this.view = { x: 0, y: 0, zoom: 1 };
    this.viewChanged();
  }

  addText(world: { x: number; y: number }, text: string): void {
    const el = parseElement({
      id: newElementId(),
      type: 'text',
      x: round(world.x),
      y: round(world.y),
      text,
      color: this.color,
      width: 1,
      size: Math.max(12, this.width * 6),
    });
    if (!el) return;
    this.session.undo.stopCapturing();
    this.session.edit(() => this.session.elements.push([elementValue(el)]));
    this.session.undo.stopCapturing();
  }

  clear(): void {
    this.session.undo.stopCapturing();
    this.session.edit(() => this.session.elements.delete(0, this.session.elements.length));
    this.session.undo.stopCapturing();
  }

  private listen(target: EventTarget, type: string, fn: (e: Event) => void, options?: AddEventListenerOptions): void {
    target.addEventListener(type, fn, options);
    this.cleanup.push(() => target.removeEventListener(type, fn, options));
  }

  private viewChanged(): void {
    this.callbacks.onView(this.view);
    this.requestRender();
  }

  private local(e: PointerEvent | WheelEvent): { x: number; y: number } {
    const r = this.canvas.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  private elementsNow(): CanvasElement[] {
    const out: CanvasElement[] = [];
    for (const item of this.session.elements) {
      let el: CanvasElement | undefined;
      if (item instanceof Y.Map) {
        el = this.cache.get(item);
        if (el === undefined && !this.cache.has(item)) this.cache.set(item, (el = readElement(item)));
      } else if (item && typeof item === 'object') {
        let hit = this.settled.get(item);
        if (hit === undefined) this.settled.set(item, (hit = readElement(item) ?? null));
        el = hit ?? undefined;
      }
      if (el) out.push(el);
    }
    return out;
  }

  private down(e: PointerEvent): void {
    const p = this.local(e);
    this.pointers.set(e.pointerId, p);
    this.canvas.setPointerCapture(e.pointerId);
    if (this.pointers.size === 2) {
      // A second finger: the gesture becomes pinch-zoom and pan; a stroke begun by the first ends.
      this.finishGesture();
      const [a, b] = [...this.pointers.values()];
      this.gesture = {
        kind: 'pinch',
        distance: Math.hypot(a!.x - b!.x, a!.y - b!.y),
        cx: (a!.x + b!.x) / 2,
        cy: (a!.y + b!.y) / 2,
      };
      return;
    }
    if (this.pointers.size > 2) return;
    const pan = this.tool === 'pan' || e.button === 1 || this.spaceDown;
    if (pan) {
      this.gesture = { kind: 'pan', x: p.x, y: p.y };
      return;
    }
    if (e.button !== 0 || this.session.viewOnly) return;
    const w = this.toWorld(p.x, p.y);
    this.session.undo.stopCapturing();
    switch (this.tool) {
      case 'pen':
        this.startStroke(w.x, w.y);
        return;
      case 'eraser':
        this.gesture = { kind: 'erase' };
        this.erase(w.x, w.y);
        return;
      case 'text':
        // The entry opens on release: opened now, the rest of this click would take its focus away.
        e.preventDefault();
        this.gesture = { kind: 'text', screen: p, world: w };
        return;
      default:
        this.gesture = { kind: 'shape', x: w.x, y: w.y };
        this.draft = this.shape(w.x, w.y, w.x, w.y);
    }
  }

  private move(e: PointerEvent): void {
    const p = this.local(e);
    const w = this.toWorld(p.x, p.y);
    const now = performance.now();
    if (now - this.lastCursor > CURSOR_INTERVAL_MS) {
      this.lastCursor = now;
      this.session.setCursor({ x: round(w.x), y: round(w.y) });
    }
    if (!this.pointers.has(e.pointerId)) return;
    this.pointers.set(e.pointerId, p);
    const g = this.gesture;
    if (g?.kind === 'pinch') {
      const [a, b] = [...this.pointers.values()];
      const distance = Math.hypot(a!.x - b!.x, a!.y - b!.y);
      const cx = (a!.x + b!.x) / 2,
        cy = (a!.y + b!.y) / 2;
      this.view = {
        ...this.view,
        x: this.view.x - (cx - g.cx) / this.view.zoom,
        y: this.view.y - (cy - g.cy) / this.view.zoom,
      };
      if (g.distance > 0) this.zoomAt(distance / g.distance, cx, cy);
      this.gesture = { kind: 'pinch', distance, cx, cy };
      this.viewChanged();
      return;
    }
    if (g?.kind === 'pan') {
      this.view = {
        ...this.view,
        x: this.view.x - (p.x - g.x) / this.view.zoom,
        y: this.view.y - (p.y - g.y) / this.view.zoom,
      };
      this.gesture = { kind: 'pan', x: p.x, y: p.y };
      this.viewChanged();
      return;
    }
    if (this.live) {
      // Coalesced events keep a fast stroke smooth; each batch is one update on the wire.
      const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
      const points = (events.length ? events : [e]).map((ev) => this.toWorld(this.local(ev).x, this.local(ev).y));
      this.extendStroke(points);
      return;
    }
    if (g?.kind === 'erase') return this.erase(w.x, w.y);
    if (g?.kind === 'shape') {
      this.draft = this.shape(g.x, g.y, w.x, w.y);
      this.requestRender();
    }
  }

  private up(e: PointerEvent): void {
    if (!this.pointers.delete(e.pointerId)) return;
    if (this.gesture?.kind === 'pinch') {
      if (this.pointers.size === 0) this.gesture = undefined;
      return;
    }
    this.finishGesture();
  }

  private finishGesture(): void {
    this.live = undefined;
    if (this.gesture?.kind === 'text') this.callbacks.onTextAt(this.gesture.screen, this.gesture.world);
    const draft = this.draft;
    this.draft = undefined;
    this.gesture = undefined;
    if (draft) {
      const b = draft.points
        ? Math.hypot(draft.points[2]! - draft.points[0]!, draft.points[3]! - draft.points[1]!)
        : Math.max(draft.w!, draft.h!);
      if (b * this.view.zoom >= 3) this.session.edit(() => this.session.elements.push([elementValue(draft)]));
      this.requestRender();
    }
    this.session.undo.stopCapturing();
  }

  private startStroke(x: number, y: number): void {
    const el: CanvasElement = {
      id: newElementId(),
      type: 'stroke',
      color: this.color,
      width: this.width,
      points: [round(x), round(y)],
    };
    const map = liveStroke(el);
    this.session.edit(() => this.session.elements.push([map]));
    this.live = { points: map.get('points') as Y.Array<number>, count: 2, lastX: x, lastY: y };
  }

  private extendStroke(points: Array<{ x: number; y: number }>): void {
    const live = this.live!;
    const minStep = 0.75 / this.view.zoom;
    const add: number[] = [];
    for (const p of points) {
      if (Math.hypot(p.x - live.lastX, p.y - live.lastY) < minStep) continue;
      add.push(round(p.x), round(p.y));
      live.lastX = p.x;
      live.lastY = p.y;
    }
    if (add.length === 0) return;
    if (live.count + add.length > ELEMENT_LIMITS.strokeNumbers) {
      // A very long stroke continues as a new element: every element stays within the limits.
      this.startStroke(live.lastX, live.lastY);
      return;
    }
    live.count += add.length;
    this.session.edit(() => live.points.push(add));
  }

  private shape(x1: number, y1: number, x2: number, y2: number): CanvasElement {
    const base = { id: newElementId(), color: this.color, width: this.width };
    if (this.tool === 'line' || this.tool === 'arrow')
      return { ...base, type: this.tool, points: [round(x1), round(y1), round(x2), round(y2)] };
    return {
      ...base,
      type: this.tool === 'ellipse' ? 'ellipse' : 'rect',
      x: round(Math.min(x1, x2)),
      y: round(Math.min(y1, y2)),
      w: round(Math.abs(x2 - x1)),
      h: round(Math.abs(y2 - y1)),
    };
  }

  private erase(x: number, y: number): void {
    const hit = new Set(
      this.elementsNow()
        .filter((el) => hitsElement(el, x, y, 8 / this.view.zoom))
        .map((el) => el.id),
    );
    if (hit.size > 0) this.session.edit(() => removeElements(this.session.doc, hit));
  }

  private wheel(e: WheelEvent): void {
    e.preventDefault();
    const p = this.local(e);
    if (e.ctrlKey || e.metaKey) this.zoomAt(Math.exp(-e.deltaY * 0.01), p.x, p.y);
    else {
      this.view = {
        ...this.view,
        x: this.view.x + e.deltaX / this.view.zoom,
        y: this.view.y + e.deltaY / this.view.zoom,
      };
      this.viewChanged();
    }
  }

  private resize(): void {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(this.canvas.clientWidth * dpr));
    const h = Math.max(1, Math.round(this.canvas.clientHeight * dpr));
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
    }
    this.render();
  }

  private render(): void {
    const ctx = this.ctx;
    const dpr = window.devicePixelRatio || 1;
    const { x, y, zoom } = this.view;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    ctx.setTransform(dpr * zoom, 0, 0, dpr * zoom, -x * zoom * dpr, -y * zoom * dpr);
    const elements = this.elementsNow();
    for (const el of elements) paintElement(ctx, el);
    if (this.draft) paintElement(ctx, this.draft);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const awareness = this.session.provider.awareness;
    for (const [client, state] of awareness.getStates()) {
      if (client === awareness.clientID) continue;
      const cursor = state.cursor as { x: number; y: number } | null | undefined;
      const user = state.user as { name?: string; color?: string } | undefined;
      if (!cursor || typeof cursor.x !== 'number' || typeof cursor.y !== 'number') continue;
      paintCursor(
        ctx,
        (cursor.x - x) * zoom,
        (cursor.y - y) * zoom,
        typeof user?.color === 'string' ? user.color : '#868e96',
        String(user?.name ?? 'Guest').slice(0, 32),
      );
    }
    this.callbacks.onElements(elements.length);
  }
}
