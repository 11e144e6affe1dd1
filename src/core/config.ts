/**
 * The configuration schema: one zod schema yields the types, the validation errors and the
 * README's configuration reference. Objects are strict: an unknown key is an error, never ignored.
 */
import { z } from 'zod';

const positiveInt = z.int().positive();

export const providerKinds = ['openai', 'anthropic', 'ollama', 'embedded'] as const;
export type ProviderKind = (typeof providerKinds)[number];

export const generationSchema = {
  temperature: z.number().min(0).max(2).optional().describe('Sampling temperature'),
  topP: z.number().gt(0).max(1).optional().describe('Nucleus sampling'),
  maxTokens: positiveInt.optional().describe('Most tokens to generate per answer'),
  contextSize: positiveInt.optional().describe('Context window in tokens (embedded, Ollama)'),
};

export const modelSpecSchema = z.strictObject({
  provider: z.enum(providerKinds).describe('openai (any OpenAI-compatible server), anthropic, ollama or embedded (GGUF file)'),
  model: z.string().min(1).describe("The provider's model name; for embedded, a GGUF file path (relative to dataDir/models)"),
  baseUrl: z.url().optional().describe('API base URL (OpenAI-compatible: ending in /v1)'),
  apiKey: z.string().optional().describe('API key; omit for servers that need none'),
  timeoutMs: positiveInt.optional().describe('Per-call timeout; defaults to models.timeoutMs'),
  ...generationSchema,
});
export type ModelSpec = z.infer<typeof modelSpecSchema>;

export const agentSchema = z.strictObject({
  systemPrompt: z.string().optional().describe('Persona; a short default is used when absent'),
  model: z.string().optional().describe('Catalog id; the current default model when absent'),
  historyTokens: positiveInt.default(3000).describe('Token budget of the history window sent with each turn'),
  skills: z.array(z.string()).default([]).describe('Skills (tools) this agent may use'),
  ...generationSchema,
});
export type AgentConfig = z.infer<typeof agentSchema>;

export const routeSchema = z.strictObject({
  channel: z.string().optional(),
  chat: z.string().optional(),
  user: z.string().optional(),
  agent: z.string(),
});

export const configSchema = z.strictObject({
  server: z
    .strictObject({
      host: z.string().default('127.0.0.1').describe('Listen address (env HEARTH_HOST)'),
      port: z.int().min(0).max(65535).default(8080).describe('Listen port (env HEARTH_PORT)'),
      apiToken: z.string().min(16).optional().describe('Admin bearer token (env HEARTH_API_TOKEN); generated into dataDir/api-token when absent'),
      bodyLimit: positiveInt.default(1024 * 1024).describe('Largest JSON request body in bytes (413 beyond)'),
      uploadLimit: positiveInt.default(50 * 1024 * 1024).describe('Largest upload (skill ZIP, media) in bytes'),
      drainTimeoutMs: positiveInt.default(30_000).describe('How long SIGTERM waits for in-flight answers'),
    })
    .prefault({}),
  dataDir: z.string().default('./data').describe('Data folder: SQLite database, blobs, models (env HEARTH_DATA_DIR)'),
  log: z
    .strictObject({
      level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    })
    .prefault({}),
  models: z
    .strictObject({
      default: z.string().optional().describe('Catalog id of the default model'),
      fallback: z.array(z.string()).default([]).describe('Catalog ids tried in order when the model of a turn fails'),
      catalog: z.record(z.string(), modelSpecSchema).default({}).describe('Models by id'),
      timeoutMs: positiveInt.default(120_000).describe('Per-call timeout'),
      retries: z.int().min(0).max(10).default(2).describe('Retries with backoff on 429/5xx/network errors, per model'),
      breaker: z
        .strictObject({
          failures: positiveInt.default(5).describe('Consecutive failures that open the circuit'),
          cooldownMs: positiveInt.default(30_000).describe('How long an open circuit rejects calls'),
        })
        .prefault({}),
      download: z
        .strictObject({
          baseUrl: z.url().optional().describe('Where `hearth models pull` downloads from (a mirror); default: the model hub'),
        })
        .prefault({}),
    })
    .prefault({}),
  agents: z.record(z.string(), agentSchema).default({}).describe('Agents by id; `default` answers unless a route says otherwise'),
  routes: z.array(routeSchema).default([]).describe('First match of (channel, chat, user) picks the agent'),
  webchat: z
    .strictObject({
      enabled: z.boolean().default(true),
      auth: z.enum(['auto', 'token', 'open']).default('auto').describe('auto: open when bound to loopback, token otherwise'),
    })
    .prefault({}),
  storage: z
    .strictObject({
      history: z.strictObject({ kind: z.enum(['sqlite']).default('sqlite'), path: z.string().optional() }).prefault({}),
      sessions: z.strictObject({ kind: z.enum(['memory']).default('memory') }).prefault({}),
      blobs: z.strictObject({ kind: z.enum(['local']).default('local'), dir: z.string().optional() }).prefault({}),
    })
    .prefault({}),
  channels: z.string().optional().describe('Path of channels.yml (env CHANNEL_CONFIG)'),
  // <skills section: owned by the skills work (src/skills/)>
  skills: z.strictObject({}).prefault({}),
  // </skills section>
  // <security section: owned by the security work (src/security/)>
  security: z.strictObject({}).prefault({}),
  // </security section>
});

export type HearthConfig = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
