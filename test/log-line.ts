/**
 * Reads a Hearth log line in either JSON shape as one flat record, so tests can look for `msg`,
 * `level` (pino's numbers) and Hearth's own fields (`requestId`, `errorCode`…) by name: an ECS line
 * (`message`, `log.level`, `hearth.<field>`) gets those names added; the ECS fields stay as they are.
 */
const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

export function flattenLogLine<T extends Record<string, unknown>>(line: T): T & { msg?: string; level?: number } {
  if (line['ecs.version'] === undefined) return line;
  const flat: Record<string, unknown> = { ...line };
  for (const [key, value] of Object.entries(line))
    if (key.startsWith('hearth.')) flat[key.slice('hearth.'.length)] = value;
  if (typeof line.message === 'string') flat.msg = line.message;
  const level = line['log.level'];
  if (typeof level === 'string' && LEVELS[level] !== undefined) flat.level = LEVELS[level];
  return flat as T & { msg?: string; level?: number };
}
