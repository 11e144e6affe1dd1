/**
 * PNG rendering of a room, for the export route and for vision models (the canvas skill). The SVG
 * export is rasterized by resvg (@resvg/resvg-js: a Rust SVG renderer shipped as prebuilt binaries
 * in registry packages, no system libraries, no browser), so PNG and SVG always agree.
 */
import type { Resvg as ResvgClass } from '@resvg/resvg-js';
import { createRequire } from 'node:module';
import type { CanvasElement } from '../model/shapes.js';
import { exportBox, renderSvg } from './svg.js';

/** Longest side of a PNG; larger drawings are scaled down to fit (memory and model image limits). */
export const MAX_PNG_SIDE = 2048;

// The native renderer is loaded on the first export, not at start-up (it is several MB resident).
const require = createRequire(import.meta.url);
let Resvg: typeof ResvgClass | undefined;

export function renderPng(elements: readonly CanvasElement[], maxSide = MAX_PNG_SIDE): Buffer {
  const box = exportBox(elements);
  const svg = renderSvg(elements, { box });
  const longest = Math.max(box.maxX - box.minX, box.maxY - box.minY);
  const fitTo =
    longest > maxSide ? ({ mode: 'zoom', value: maxSide / longest } as const) : ({ mode: 'original' } as const);
  Resvg ??= (require('@resvg/resvg-js') as { Resvg: typeof ResvgClass }).Resvg;
  const resvg = new Resvg(svg, {
    fitTo,
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
    background: '#ffffff',
  });
  return resvg.render().asPng();
}
