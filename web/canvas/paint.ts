// Paints elements on a 2D canvas context, in world coordinates (the caller sets the transform).
// The SVG export (src/canvas/render/svg.ts) draws the same shapes the same way.
import type { CanvasElement } from '../../src/canvas/model/elements.js';
import { arrowHead } from '../../src/canvas/render/svg.js';

export function paintElement(ctx: CanvasRenderingContext2D, el: CanvasElement): void {
  ctx.strokeStyle = el.color;
  ctx.fillStyle = el.color;
  ctx.lineWidth = el.width;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  const p = el.points;
  switch (el.type) {
    case 'stroke': {
      if (!p) return;
      if (p.length === 2) {
        ctx.beginPath();
        ctx.arc(p[0]!, p[1]!, el.width / 2, 0, Math.PI * 2);
        ctx.fill();
        return;
      }
      ctx.beginPath();
      ctx.moveTo(p[0]!, p[1]!);
      for (let i = 2; i < p.length; i += 2) ctx.lineTo(p[i]!, p[i + 1]!);
      ctx.stroke();
      return;
    }
    case 'line':
    case 'arrow': {
      if (!p) return;
      ctx.beginPath();
      ctx.moveTo(p[0]!, p[1]!);
      ctx.lineTo(p[2]!, p[3]!);
      if (el.type === 'arrow') {
        const [ax, ay, bx, by] = arrowHead(p[0]!, p[1]!, p[2]!, p[3]!, el.width);
        ctx.moveTo(ax, ay);
        ctx.lineTo(p[2]!, p[3]!);
        ctx.lineTo(bx, by);
      }
      ctx.stroke();
      return;
    }
    case 'rect':
      if (el.fill) {
        ctx.fillStyle = el.fill;
        ctx.fillRect(el.x!, el.y!, el.w!, el.h!);
      }
      ctx.strokeRect(el.x!, el.y!, el.w!, el.h!);
      return;
    case 'ellipse':
      ctx.beginPath();
      ctx.ellipse(el.x! + el.w! / 2, el.y! + el.h! / 2, el.w! / 2, el.h! / 2, 0, 0, Math.PI * 2);
      if (el.fill) {
        ctx.fillStyle = el.fill;
        ctx.fill();
      }
      ctx.stroke();
      return;
    case 'text': {
      const size = el.size ?? 20;
      ctx.font = `${size}px "DejaVu Sans", Arial, sans-serif`;
      ctx.textBaseline = 'alphabetic';
      (el.text ?? '').split('\n').forEach((line, i) => ctx.fillText(line, el.x!, el.y! + i * size * 1.2));
      return;
    }
  }
}

/** Another person's pointer: an arrow in their colour with their name, in screen pixels. */
export function paintCursor(ctx: CanvasRenderingContext2D, x: number, y: number, color: string, name: string): void {
  ctx.save();
  ctx.translate(x, y);
  ctx.fillStyle = color;
  ctx.strokeStyle = '#ffffff';
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  ctx.moveTo(0, 0);
  ctx.lineTo(0, 16);
  ctx.lineTo(4.5, 12);
  ctx.lineTo(8, 19);
  ctx.lineTo(10.5, 18);
  ctx.lineTo(7, 11);
  ctx.lineTo(12.5, 11);
  ctx.closePath();
  ctx.fill();
  ctx.stroke();
  ctx.font = '12px "DejaVu Sans", Arial, sans-serif';
  const w = ctx.measureText(name).width + 8;
  ctx.fillRect(12, 18, w, 18);
  ctx.fillStyle = '#ffffff';
  ctx.fillText(name, 16, 31);
  ctx.restore();
}
