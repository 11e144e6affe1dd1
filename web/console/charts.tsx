/**
 * The console's charts, drawn as plain SVG by React (no chart library: two chart shapes do not
 * need one). Each chart is an image with a label for screen readers, and its figures are also in a
 * table under a "Figures" disclosure, so nothing is only visible as a drawing.
 */
import type { ReactNode } from 'react';

/** Series colours (CSS variables, light and dark variants in style.css). */
const colour = (i: number) => `var(--series-${i % 6})`;

export interface Series {
  name: string;
  /** One value per category (day), in the order of `categories`. */
  values: number[];
}

/** USD with cents, or — below a cent — as many places as it takes: $0.000031. */
export const usd = (v: number) => `$${v > 0 && v < 0.01 ? v.toFixed(6).replace(/0+$/, '') : v.toFixed(2)}`;

const fmt = (v: number, unit?: string) => (unit === 'USD' ? usd(v) : v.toLocaleString('en-US'));

/** Stacked columns: one column per category (day), one coloured block per series (channel). */
export function StackedColumns({
  title,
  categories,
  series,
  unit,
}: {
  title: string;
  categories: string[];
  series: Series[];
  unit?: string;
}) {
  if (series.length === 0)
    return (
      <figure className="chart-figure">
        <figcaption>{title}</figcaption>
        <p className="hint">No data yet.</p>
      </figure>
    );
  const totals = categories.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const width = 560;
  const height = 200;
  const left = 48;
  const bottom = 24;
  const plotH = height - bottom - 8;
  const slot = (width - left) / Math.max(1, categories.length);
  const barW = Math.min(48, slot * 0.7);
  const label = `${title}: ${categories.map((c, i) => `${c} ${fmt(totals[i]!, unit)}`).join(', ')}`;
  return (
    <Figure
      title={title}
      legend={series.map((s) => s.name)}
      table={
        <table>
          <thead>
            <tr>
              <th>Day</th>
              {series.map((s) => (
                <th key={s.name}>{s.name}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {categories.map((c, i) => (
              <tr key={c}>
                <td>{c}</td>
                {series.map((s) => (
                  <td key={s.name}>{fmt(s.values[i] ?? 0, unit)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      }
    >
      <svg
        role="img"
        aria-label={label}
        viewBox={`0 0 ${width} ${height}`}
        style={{ maxWidth: width }}
        className="chart"
      >
        <line x1={left} x2={width} y1={plotH + 8} y2={plotH + 8} className="axis" />
        <text x={left - 6} y={14} className="chart-value" textAnchor="end">
          {fmt(max, unit)}
        </text>
        <text x={left - 6} y={plotH + 8} className="chart-value" textAnchor="end">
          0
        </text>
        {categories.map((c, i) => {
          let y = plotH + 8;
          const x = left + i * slot + (slot - barW) / 2;
          return (
            <g key={c} data-day={c}>
              {series.map((s, k) => {
                const h = ((s.values[i] ?? 0) / max) * plotH;
                y -= h;
                return h > 0 ? (
                  <rect key={s.name} x={x} y={y} width={barW} height={h} fill={colour(k)}>
                    <title>{`${s.name}, ${c}: ${fmt(s.values[i] ?? 0, unit)}`}</title>
                  </rect>
                ) : null;
              })}
              <text x={x + barW / 2} y={height - 6} className="chart-label" textAnchor="middle">
                {c.slice(5)}
              </text>
            </g>
          );
        })}
      </svg>
    </Figure>
  );
}

/** Horizontal bars, one per entry, labelled with its value. */
export function Bars({ title, data, unit }: { title: string; data: Array<[string, number]>; unit?: string }) {
  if (data.length === 0)
    return (
      <figure className="chart-figure">
        <figcaption>{title}</figcaption>
        <p className="hint">No data yet.</p>
      </figure>
    );
  const max = Math.max(...data.map(([, v]) => v), Number.MIN_VALUE);
  const row = 26;
  const labelW = 150;
  const barMax = 170;
  const width = labelW + barMax + 80;
  return (
    <Figure
      title={title}
      table={
        <table>
          <tbody>
            {data.map(([name, v]) => (
              <tr key={name}>
                <td>{name}</td>
                <td>{fmt(v, unit)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      }
    >
      <svg
        role="img"
        aria-label={`${title}: ${data.map(([n, v]) => `${n} ${fmt(v, unit)}`).join(', ')}`}
        viewBox={`0 0 ${width} ${data.length * row}`}
        style={{ maxWidth: width }}
        className="chart"
      >
        {data.map(([name, value], i) => {
          const w = Math.max(2, (value / max) * barMax);
          return (
            <g key={name} transform={`translate(0, ${i * row})`}>
              <text x={labelW - 8} y="17" className="chart-label" textAnchor="end">
                {name.length > 16 ? `${name.slice(0, 15)}…` : name}
              </text>
              <rect x={labelW} y="4" height="17" width={w} fill={colour(i)} />
              <text x={labelW + w + 6} y="17" className="chart-value">
                {fmt(value, unit)}
              </text>
            </g>
          );
        })}
      </svg>
    </Figure>
  );
}

function Figure({
  title,
  legend,
  table,
  children,
}: {
  title: string;
  legend?: string[];
  table: ReactNode;
  children: ReactNode;
}) {
  return (
    <figure className="chart-figure">
      <figcaption>{title}</figcaption>
      {children}
      {legend && legend.length > 0 && (
        <ul className="legend" aria-hidden="true">
          {legend.map((name, i) => (
            <li key={name}>
              <span className="swatch" style={{ background: colour(i) }} /> {name}
            </li>
          ))}
        </ul>
      )}
      <details>
        <summary>Figures</summary>
        {table}
      </details>
    </figure>
  );
}
