/**
 * Turns a zod config schema into the Markdown configuration reference the README carries, so the
 * docs come from the same source as validation and can never drift from it (a test compares them).
 */
import type { z } from 'zod';

interface Def {
  type: string;
  innerType?: z.ZodType;
  defaultValue?: unknown;
  shape?: Record<string, z.ZodType>;
  entries?: Record<string, string>;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  values?: unknown[];
  in?: z.ZodType;
  format?: string;
}

export interface ReferenceRow {
  key: string;
  type: string;
  default?: string;
  description?: string;
}

function def(s: z.ZodType): Def {
  return (s as unknown as { _zod: { def: Def } })._zod.def;
}

function describe(s: z.ZodType): string | undefined {
  return (s as unknown as { description?: string }).description;
}

/** Unwraps optional/default/prefault/pipe wrappers, keeping the outermost default and description. */
function unwrap(s: z.ZodType): { core: z.ZodType; dflt?: unknown; description?: string } {
  let description = describe(s);
  let dflt: unknown;
  let cur = s;
  for (let i = 0; i < 10; i++) {
    const d = def(cur);
    if ((d.type === 'default' || d.type === 'prefault') && dflt === undefined) {
      const v = d.defaultValue;
      dflt = typeof v === 'function' ? (v as () => unknown)() : v;
    }
    const next = d.innerType ?? (d.type === 'pipe' ? d.in : undefined);
    if (!next) break;
    cur = next;
    description ??= describe(cur);
  }
  return { core: cur, dflt, description };
}

function typeName(s: z.ZodType): string {
  const d = def(s);
  switch (d.type) {
    case 'enum':
      return Object.values(d.entries ?? {})
        .map((v) => `\`${v}\``)
        .join(' \\| ');
    case 'literal':
      return (d.values ?? []).map((v) => `\`${JSON.stringify(v)}\``).join(' \\| ');
    case 'array':
      return `list of ${typeName(unwrap(d.element!).core)}`;
    case 'record':
      return `map of ${typeName(unwrap(d.valueType!).core)}`;
    case 'union':
      return (d.options ?? []).map((o) => typeName(unwrap(o).core)).join(' or ');
    case 'string':
      return d.format === 'url' ? 'URL' : 'string';
    case 'number':
      return d.format === 'safeint' ? 'integer' : 'number';
    default:
      return d.type;
  }
}

/** Rows for every key of an object schema, depth first; records of objects document their entry shape as `<name>`. */
export function referenceRows(schema: z.ZodType, prefix = ''): ReferenceRow[] {
  const rows: ReferenceRow[] = [];
  const { core } = unwrap(schema);
  const shape = def(core).shape;
  if (!shape) return rows;
  for (const [key, child] of Object.entries(shape)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const { core: c, dflt, description } = unwrap(child);
    const d = def(c);
    const isObject = d.type === 'object';
    const recordOfObjects = d.type === 'record' && def(unwrap(d.valueType!).core).type === 'object';
    const arrayOfObjects = d.type === 'array' && def(unwrap(d.element!).core).type === 'object';
    const showDefault =
      dflt !== undefined &&
      !isObject &&
      !(typeof dflt === 'object' && dflt && Object.keys(dflt).length === 0 && !Array.isArray(dflt));
    rows.push({
      key: path,
      type: isObject ? 'section' : typeName(c),
      default: showDefault ? JSON.stringify(dflt) : undefined,
      description,
    });
    if (isObject) rows.push(...referenceRows(c, path));
    if (recordOfObjects) rows.push(...referenceRows(d.valueType!, `${path}.<name>`));
    if (arrayOfObjects) rows.push(...referenceRows(d.element!, `${path}[]`));
  }
  return rows;
}

/** The Markdown table of a schema. */
export function referenceMarkdown(schema: z.ZodType): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = ['| key | type | default | description |', '|---|---|---|---|'];
  for (const r of referenceRows(schema)) {
    lines.push(
      `| \`${r.key}\` | ${r.type} | ${r.default ? `\`${esc(r.default)}\`` : ''} | ${r.description ? esc(r.description) : ''} |`,
    );
  }
  return lines.join('\n');
}
