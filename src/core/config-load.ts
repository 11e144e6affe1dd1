/**
 * Loads `hearth.yml`: YAML with `${ENV}` interpolation, environment overrides, then the zod schema.
 * Every problem is reported with the file, the key path, the line where known, and the reason.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { configSchema, type HearthConfig } from './config.js';

export interface ConfigProblem {
  file: string;
  /** Dotted key path, e.g. `models.catalog.main.provider`. Empty for the whole file. */
  path: string;
  line?: number;
  reason: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
  }
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.line ? `${p.file}:${p.line}` : p.file;
  return `${where}: ${p.path || '(root)'}: ${p.reason}`;
}

type Env = Record<string, string | undefined>;

/** Replaces `${NAME}` and `${NAME:-default}` in every string of a parsed YAML tree. */
export function interpolate(value: unknown, env: Env, path: string[], missing: string[][]): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_m, name: string, fallback?: string) => {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (fallback !== undefined) return fallback;
      missing.push([...path, name]);
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, [...path, String(i)], missing));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolate(v, env, [...path, k], missing);
    return out;
  }
  return value;
}

/** Parses a YAML file into a plain object, reporting syntax errors with their line. */
export function readYamlFile(
  file: string,
  env: Env,
): { data: Record<string, unknown>; lineOf: (path: string[]) => number | undefined } {
  const text = readFileSync(file, 'utf8');
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => ({
        file,
        path: '',
        line: lineCounter.linePos(e.pos[0]).line,
        reason: `YAML syntax: ${e.message.split('\n')[0]}`,
      })),
    );
  }
  const lineOf = (path: string[]): number | undefined => {
    for (let n = path.length; n > 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  const raw = doc.toJS() ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError([{ file, path: '', line: 1, reason: 'expected a mapping of keys at the top level' }]);
  }
  const missing: string[][] = [];
  const data = interpolate(raw, env, [], missing) as Record<string, unknown>;
  if (missing.length > 0) {
    throw new ConfigError(
      missing.map((m) => {
        const keyPath = m.slice(0, -1);
        return {
          file,
          path: keyPath.join('.'),
          line: lineOf(keyPath),
          reason: `environment variable ${m[m.length - 1]} is not set`,
        };
      }),
    );
  }
  return { data, lineOf };
}

/** Which config file to read: `--config`, then `HEARTH_CONFIG`, then `./hearth.yml` if it exists. */
export function resolveConfigPath(explicit: string | undefined, env: Env): string | undefined {
  if (explicit) return resolve(explicit);
  if (env.HEARTH_CONFIG) return resolve(env.HEARTH_CONFIG);
  const fallback = resolve('hearth.yml');
  return existsSync(fallback) ? fallback : undefined;
}

function setIn(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = obj;
  for (const key of path.slice(0, -1)) {
    const next = cur[key];
    if (!next || typeof next !== 'object' || Array.isArray(next)) cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[path[path.length - 1]] = value;
}

function getIn(obj: Record<string, unknown>, path: string[]): unknown {
  let cur: unknown = obj;
  for (const key of path) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[key] : undefined;
  return cur;
}

/** Environment variables that override config keys (the source document's compose variables). */
const ENV_KEYS: Array<[string, string[], 'string' | 'number']> = [
  ['HEARTH_HOST', ['server', 'host'], 'string'],
  ['HEARTH_PORT', ['server', 'port'], 'number'],
  ['HEARTH_DATA_DIR', ['dataDir'], 'string'],
  ['HEARTH_API_TOKEN', ['server', 'apiToken'], 'string'],
  ['HEARTH_LOG_LEVEL', ['log', 'level'], 'string'],
  ['HEARTH_LOG_FORMAT', ['log', 'format'], 'string'],
  ['HEARTH_TRACING_ENDPOINT', ['tracing', 'endpoint'], 'string'],
  ['CHANNEL_CONFIG', ['channels'], 'string'],
];

/** The catalog id under which `MODEL_ENDPOINT` is registered. */
export const ENV_MODEL_ID = 'env';

function applyEnv(data: Record<string, unknown>, env: Env): Map<string, string> {
  const origin = new Map<string, string>();
  for (const [name, path, type] of ENV_KEYS) {
    const v = env[name];
    if (v === undefined || v === '') continue;
    setIn(data, path, type === 'number' && /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v);
    origin.set(path.join('.'), name);
  }
  const num = (name: string) => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    return /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v;
  };
  if (env.MODEL_ENDPOINT) {
    const spec: Record<string, unknown> = {
      provider: 'openai',
      baseUrl: env.MODEL_ENDPOINT,
      model: env.MODEL_NAME || 'default',
    };
    if (env.MODEL_API_KEY) spec.apiKey = env.MODEL_API_KEY;
    setIn(data, ['models', 'catalog', ENV_MODEL_ID], spec);
    setIn(data, ['models', 'default'], ENV_MODEL_ID);
    origin.set(`models.catalog.${ENV_MODEL_ID}.baseUrl`, 'MODEL_ENDPOINT');
    origin.set(`models.catalog.${ENV_MODEL_ID}.model`, 'MODEL_NAME');
  } else {
    addKeyedModel(data, env, 'OPENAI_API_KEY', 'openai', { provider: 'openai', model: 'gpt-4o-mini' });
    addKeyedModel(data, env, 'ANTHROPIC_API_KEY', 'anthropic', { provider: 'anthropic', model: 'claude-haiku-4-5' });
  }
  // Generation parameters from the environment apply to every agent that does not set its own.
  const temperature = num('MODEL_TEMPERATURE');
  const maxTokens = num('MODEL_MAX_TOKENS');
  const defaults = (getIn(data, ['agents', 'default']) as Record<string, unknown> | undefined) ?? {};
  if (temperature !== undefined && defaults.temperature === undefined) {
    setIn(data, ['agents', 'default', 'temperature'], temperature);
    origin.set('agents.default.temperature', 'MODEL_TEMPERATURE');
  }
  if (maxTokens !== undefined && defaults.maxTokens === undefined) {
    setIn(data, ['agents', 'default', 'maxTokens'], maxTokens);
    origin.set('agents.default.maxTokens', 'MODEL_MAX_TOKENS');
  }
  return origin;
}

function addKeyedModel(
  data: Record<string, unknown>,
  env: Env,
  keyVar: string,
  id: string,
  spec: Record<string, unknown>,
): void {
  const key = env[keyVar];
  if (!key || getIn(data, ['models', 'catalog', id]) !== undefined) return;
  setIn(data, ['models', 'catalog', id], { ...spec, apiKey: key });
  if (getIn(data, ['models', 'default']) === undefined) setIn(data, ['models', 'default'], id);
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

/** The closest known key, if it is close enough to be a typo. */
export function didYouMean(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const k of known) {
    const d = levenshtein(key.toLowerCase(), k.toLowerCase());
    if (d < bestScore) [best, bestScore] = [k, d];
  }
  return best !== undefined && bestScore <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

/** The object keys the schema accepts at a path (for "did you mean"). */
function knownKeysAt(schema: z.ZodType, path: PropertyKey[]): string[] {
  let cur: z.ZodType | undefined = schema;
  for (const key of [...path, null]) {
    // Unwrap defaults, optionals and the like down to the object or record.
    for (let i = 0; i < 10 && cur; i++) {
      const def = (cur as unknown as { _zod: { def: { innerType?: z.ZodType; type: string } } })._zod.def;
      if (def.innerType) cur = def.innerType;
      else break;
    }
    if (!cur) return [];
    if (key === null) break;
    if (cur instanceof z.ZodObject) cur = cur.shape[key as string] as z.ZodType | undefined;
    else if (cur instanceof z.ZodRecord) cur = cur._zod.def.valueType as z.ZodType;
    else if (cur instanceof z.ZodArray) cur = cur._zod.def.element as z.ZodType;
    else return [];
  }
  return cur instanceof z.ZodObject ? Object.keys(cur.shape) : [];
}

/** Validates data against a schema, turning zod issues into config problems. */
export function validateAgainst<S extends z.ZodType>(
  schema: S,
  data: unknown,
  file: string,
  lineOf: (path: string[]) => number | undefined,
  origin: Map<string, string> = new Map(),
): z.infer<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const problems: ConfigProblem[] = [];
  for (const issue of result.error.issues) {
    const base = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(schema, issue.path);
      for (const key of issue.keys) {
        const hint = didYouMean(key, known);
        problems.push({
          file,
          path: [...base, key].join('.'),
          line: lineOf([...base, key]),
          reason: `unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}; allowed here: ${known.join(', ')}`,
        });
      }
      continue;
    }
    const dotted = base.join('.');
    const envName = origin.get(dotted);
    problems.push({
      file: envName ? `environment variable ${envName}` : file,
      path: dotted,
      line: envName ? undefined : lineOf(base),
      reason: issue.message,
    });
  }
  throw new ConfigError(problems);
}

export interface LoadedConfig {
  config: HearthConfig;
  /** Absolute path of the file read, if any. */
  file?: string;
  /** Where values came from: dotted key paths set in the file, and those set by an environment variable (with its name). */
  sources?: { file: string[]; env: Record<string, string> };
}

/** Dotted paths of the leaves (scalars and arrays) of a parsed YAML document. */
function leafPaths(value: unknown, prefix: string[] = []): string[] {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return prefix.length ? [prefix.join('.')] : [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => leafPaths(v, [...prefix, k]));
}

/** Reads, interpolates, overrides from the environment and validates the Hearth config. */
export function loadConfig(options: { file?: string; env?: Env } = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const file = resolveConfigPath(options.file, env);
  let data: Record<string, unknown> = {};
  let lineOf: (path: string[]) => number | undefined = () => undefined;
  if (file) {
    if (!existsSync(file)) throw new ConfigError([{ file, path: '', reason: 'file not found' }]);
    ({ data, lineOf } = readYamlFile(file, env));
  }
  const inFile = leafPaths(data);
  const origin = applyEnv(data, env);
  const config = validateAgainst(configSchema, data, file ?? '(no config file)', lineOf, origin);
  checkReferences(config, file ?? '(no config file)', lineOf);
  return { config, file, sources: { file: inFile, env: Object.fromEntries(origin) } };
}

/** Cross-key checks the schema cannot express: ids that must name catalog entries and agents. */
function checkReferences(config: HearthConfig, file: string, lineOf: (path: string[]) => number | undefined): void {
  const problems: ConfigProblem[] = [];
  const ids = Object.keys(config.models.catalog);
  const checkModel = (id: string | undefined, path: string[]) => {
    if (id === undefined || ids.includes(id)) return;
    const hint = didYouMean(id, ids);
    problems.push({
      file,
      path: path.join('.'),
      line: lineOf(path),
      reason: `no model "${id}" in models.catalog${hint ? ` (did you mean "${hint}"?)` : ''}`,
    });
  };
  checkModel(config.models.default, ['models', 'default']);
  config.models.fallback.forEach((id, i) => checkModel(id, ['models', 'fallback', String(i)]));
  for (const [name, agent] of Object.entries(config.agents)) checkModel(agent.model, ['agents', name, 'model']);
  const agents = ['default', ...Object.keys(config.agents)];
  config.routes.forEach((r, i) => {
    if (!agents.includes(r.agent)) {
      problems.push({
        file,
        path: `routes.${i}.agent`,
        line: lineOf(['routes', String(i), 'agent']),
        reason: `no agent "${r.agent}" in agents`,
      });
    }
  });
  if (problems.length > 0) throw new ConfigError(problems);
}
