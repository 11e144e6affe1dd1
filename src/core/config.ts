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
  provider: z
    .enum(providerKinds)
    .describe('openai (any OpenAI-compatible server), anthropic, ollama or embedded (GGUF file)'),
  model: z
    .string()
    .min(1)
    .describe("The provider's model name; for embedded, a GGUF file path (relative to dataDir/models)"),
  baseUrl: z.url().optional().describe('API base URL (OpenAI-compatible: ending in /v1)'),
  apiKey: z.string().optional().describe('API key; omit for servers that need none'),
  timeoutMs: positiveInt.optional().describe('Per-call timeout; defaults to models.timeoutMs'),
  promptCacheKey: z
    .boolean()
    .optional()
    .describe(
      'openai: send prompt_cache_key (a hash of the conversation id) so one conversation reaches one prompt cache (default); false for a server that refuses unknown fields',
    ),
  price: z
    .strictObject({
      inputPerMTok: z.number().min(0).describe('USD per million prompt tokens'),
      outputPerMTok: z.number().min(0).describe('USD per million completion tokens'),
      cachedInputPerMTok: z
        .number()
        .min(0)
        .optional()
        .describe('USD per million prompt tokens served from the prompt cache; the input price when absent'),
    })
    .optional()
    .describe('Prices of this model; the built-in price table (src/engine/pricing.ts) when absent'),
  ...generationSchema,
});
export type ModelSpec = z.infer<typeof modelSpecSchema>;

/** Spending limits of one budget (a user, an agent); periods are UTC days and months. */
export const budgetLimitsSchema = z.strictObject({
  tokensPerDay: positiveInt.optional().describe('Most prompt + completion tokens per UTC day'),
  tokensPerMonth: positiveInt.optional().describe('Most prompt + completion tokens per UTC month'),
  usdPerDay: z.number().positive().optional().describe('Most USD per UTC day (models with a known price)'),
  usdPerMonth: z.number().positive().optional().describe('Most USD per UTC month (models with a known price)'),
});
export type BudgetLimits = z.infer<typeof budgetLimitsSchema>;

export const agentSchema = z.strictObject({
  systemPrompt: z.string().optional().describe('Persona; a short default is used when absent'),
  model: z.string().optional().describe('Catalog id; the current default model when absent'),
  historyTokens: positiveInt.default(3000).describe('Token budget of the history window sent with each turn'),
  historyMessages: positiveInt.default(40).describe('Most earlier messages in the history window, whatever their size'),
  summaryModel: z
    .string()
    .optional()
    .describe(
      "Catalog id of the model that summarizes turns older than the history window (a cheaper one); the agent's model when absent",
    ),
  skills: z
    .array(z.string())
    .optional()
    .describe(
      'Skills (tools) this agent may use; "*" = all; default: the built-ins for the default agent, none for others',
    ),
  knowledge: z
    .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/))
    .optional()
    .describe('Knowledge base collections this agent answers from, with citations'),
  approval: z
    .enum(['always', 'once-per-conversation', 'never'])
    .default('always')
    .describe(
      'When a sensitive tool call needs a yes first: every call, the first call of each tool per conversation, or never',
    ),
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
      apiToken: z
        .string()
        .min(16)
        .optional()
        .describe('Admin bearer token (env HEARTH_API_TOKEN); generated into dataDir/api-token when absent'),
      bodyLimit: positiveInt.default(1024 * 1024).describe('Largest JSON request body in bytes (413 beyond)'),
      uploadLimit: positiveInt.default(50 * 1024 * 1024).describe('Largest upload (skill ZIP, media) in bytes'),
      drainTimeoutMs: positiveInt.default(30_000).describe('How long SIGTERM waits for in-flight answers'),
      allowedOrigins: z
        .array(z.url())
        .default([])
        .describe(
          "Browser origins (https://app.example.com) allowed to open the web chat, voice and other state-changing routes besides the server's own",
        ),
      allowedHosts: z
        .array(z.string().min(1))
        .default([])
        .describe(
          'Server names accepted in the Host header besides IP addresses and localhost (DNS-rebinding protection); set it when serving under a domain name',
        ),
    })
    .prefault({}),
  dataDir: z.string().default('./data').describe('Data folder: SQLite database, blobs, models (env HEARTH_DATA_DIR)'),
  log: z
    .strictObject({
      level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
      format: z
        .enum(['ecs', 'json', 'pretty'])
        .default('ecs')
        .describe(
          "Log line shape: 'ecs' (Elastic Common Schema JSON), 'json' (pino's own JSON), 'pretty' (text for a terminal) (env HEARTH_LOG_FORMAT)",
        ),
    })
    .prefault({}),
  tracing: z
    .strictObject({
      endpoint: z
        .url()
        .optional()
        .describe(
          'OTLP/HTTP traces URL (http://collector:4318/v1/traces); tracing is off when absent (env HEARTH_TRACING_ENDPOINT)',
        ),
      serviceName: z.string().min(1).default('hearth').describe('service.name of the spans'),
    })
    .prefault({})
    .describe('OpenTelemetry traces: inbound message → bus → engine turn → model and tool calls → delivery'),
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
          baseUrl: z
            .url()
            .optional()
            .describe('Where `hearth models pull` downloads from (a mirror); default: the model hub'),
        })
        .prefault({}),
    })
    .prefault({}),
  agents: z
    .record(z.string(), agentSchema)
    .default({})
    .describe('Agents by id; `default` answers unless a route says otherwise'),
  routes: z.array(routeSchema).default([]).describe('First match of (channel, chat, user) picks the agent'),
  budgets: z
    .strictObject({
      user: budgetLimitsSchema.prefault({}).describe('Limits for each user (every user gets the same)'),
      agent: z
        .record(z.string(), budgetLimitsSchema)
        .default({})
        .describe('Limits per agent id (all its users together)'),
    })
    .prefault({}),
  approvals: z
    .strictObject({
      expiresMinutes: positiveInt.default(30).describe('A sensitive tool call not approved within this time is denied'),
    })
    .prefault({}),
  webchat: z
    .strictObject({
      enabled: z.boolean().default(true),
      auth: z
        .enum(['auto', 'token', 'open'])
        .default('auto')
        .describe('auto: open when bound to loopback, token otherwise'),
    })
    .prefault({}),
  storage: z
    .strictObject({
      history: z
        .strictObject({
          kind: z
            .enum(['sqlite', 'postgres', 'mongodb'])
            .default('sqlite')
            .describe('sqlite (embedded), postgres or mongodb'),
          path: z.string().optional().describe('SQLite file; default dataDir/hearth.db'),
          url: z.string().optional().describe('postgres://… or mongodb://… connection URL (env HEARTH_HISTORY_URL)'),
          database: z.string().optional().describe('MongoDB database name; default: the one in the URL, else `hearth`'),
          poolSize: positiveInt.default(10).describe('Most connections per process (PostgreSQL pool, MongoDB pool)'),
          autoMigrate: z
            .boolean()
            .default(true)
            .describe('Run pending schema migrations on start (else `hearth migrate` must run first)'),
        })
        .prefault({}),
      sessions: z
        .strictObject({
          kind: z
            .enum(['memory', 'redis'])
            .default('memory')
            .describe('memory (one process) or redis (shared by replicas)'),
          url: z.string().optional().describe('redis://… URL (env HEARTH_REDIS_URL); default redis://127.0.0.1:6379'),
          keyPrefix: z.string().default('hearth:session:').describe('Prefix of every session key in Redis'),
        })
        .prefault({}),
      blobs: z
        .strictObject({
          kind: z.enum(['local', 's3']).default('local').describe('local folder or an S3-compatible object store'),
          dir: z.string().optional().describe('Local folder; default dataDir/blobs'),
          bucket: z.string().optional().describe('S3 bucket (created when missing)'),
          region: z.string().default('us-east-1').describe('S3 region'),
          endpoint: z.url().optional().describe('S3-compatible endpoint (MinIO, Ceph, R2…); AWS when absent'),
          forcePathStyle: z
            .boolean()
            .default(true)
            .describe('Path-style URLs (bucket in the path), as MinIO and most S3-compatible stores need'),
          accessKeyId: z.string().optional().describe('Access key; the AWS default credential chain when absent'),
          secretAccessKey: z.string().optional().describe('Secret key (env HEARTH_S3_SECRET_ACCESS_KEY)'),
          prefix: z.string().default('').describe('Key prefix inside the bucket (several installations in one bucket)'),
        })
        .prefault({}),
    })
    .prefault({}),
  channels: z.string().optional().describe('Path of channels.yml (env CHANNEL_CONFIG)'),
  // <bus section: owned by the scale-out work (src/bus/)>
  bus: z
    .strictObject({
      kind: z
        .enum(['memory', 'redis'])
        .default('memory')
        .describe('memory (all-in-one) or redis (durable queue on Redis Streams between gateway and engine replicas)'),
      url: z.string().optional().describe('redis://… URL (env HEARTH_REDIS_URL); default redis://127.0.0.1:6379'),
      prefix: z
        .string()
        .default('hearth:bus:')
        .describe('Prefix of every bus key in Redis (several installations on one Redis)'),
      shards: positiveInt
        .max(1024)
        .default(16)
        .describe('Inbound partitions; each is owned by one engine at a time, which keeps per-conversation order'),
      maxQueueDepth: positiveInt
        .default(10_000)
        .describe('Queued inbound messages beyond which gateways answer busy (back-pressure)'),
      engineConcurrency: positiveInt.default(32).describe('Conversations one engine answers at the same time'),
      leaseMs: positiveInt
        .default(10_000)
        .describe('How long a dead engine keeps its partitions before another engine takes them over'),
      fanOutChannels: z
        .array(z.string())
        .default(['webchat', 'api'])
        .describe(
          'Channels whose replies go to every gateway (the one holding the socket delivers); others are delivered by exactly one gateway',
        ),
    })
    .prefault({}),
  // </bus section>
  // <skills section: owned by the skills work (src/skills/)>
  skills: z
    .strictObject({
      dir: z
        .string()
        .optional()
        .describe('Folder of static skills loaded at start: one subfolder per skill with skill.json or skill.yaml'),
      sidecarDir: z
        .string()
        .optional()
        .describe("Shared volume holding sidecar skills' Unix sockets; default dataDir/sidecars"),
      timeoutMs: positiveInt
        .default(15_000)
        .describe('Per tool call timeout; a skill process that overruns it is restarted'),
      startTimeoutMs: positiveInt
        .default(10_000)
        .describe('How long a skill process may take to start and answer init'),
      maxResultChars: positiveInt
        .default(8_000)
        .describe('Longest tool result handed back to the model (longer is cut)'),
      maxOutputBytesPerSec: positiveInt
        .default(1024 * 1024)
        .describe('Bytes per second a skill process may write to stdout/stderr before it is stopped as flooding'),
      restart: z
        .strictObject({
          initialDelayMs: positiveInt.default(500).describe('First restart delay of a crashed skill process'),
          maxDelayMs: positiveInt.default(30_000).describe('Longest restart delay (the delay doubles per crash)'),
        })
        .prefault({})
        .describe('Restart policy of crashed, hung or flooding skill processes'),
      upload: z
        .strictObject({
          maxFiles: positiveInt.default(500).describe('Most files in an uploaded skill ZIP'),
          maxUnpackedBytes: positiveInt
            .default(100 * 1024 * 1024)
            .describe('Largest total unpacked size of an uploaded skill'),
          maxCompressionRatio: positiveInt
            .default(100)
            .describe('Largest unpacked/packed ratio of one ZIP entry (zip bomb guard)'),
        })
        .prefault({})
        .describe('Limits of uploaded skill ZIPs (zip bomb and size guards)'),
      signatures: z
        .strictObject({
          required: z
            .boolean()
            .default(false)
            .describe('Reject uploads without a valid ed25519 signature (multipart field `signature`)'),
          publicKeys: z
            .array(z.string())
            .default([])
            .describe('Trusted ed25519 public keys: PEM or base64 of the raw 32 bytes'),
        })
        .prefault({})
        .describe('ed25519 signature check of uploaded skills'),
      config: z
        .record(z.string(), z.record(z.string(), z.unknown()))
        .default({})
        .describe('Per-skill settings handed to init(), by skill name'),
      mcp: z
        .record(
          z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/),
          z
            .strictObject({
              command: z.array(z.string()).min(1).optional().describe('stdio server: program and arguments'),
              url: z.url().optional().describe('streamable HTTP server URL'),
              env: z
                .array(z.string())
                .default([])
                .describe('Environment variable names passed through to a stdio server'),
              hosts: z
                .array(z.string())
                .default(['*'])
                .describe(
                  'Hosts a Node stdio server may connect to (name, *.domain, optionally :port); the default `*` allows any',
                ),
              description: z.string().optional().describe('One line shown in listings'),
              triggers: z
                .array(z.string())
                .default([])
                .describe('Keywords that make its tools relevant to a turn; none: always offered'),
            })
            .refine((m) => !!m.command !== !!m.url, 'give either `command` (stdio) or `url` (streamable HTTP)'),
        )
        .default({})
        .describe('MCP servers added as skills, by skill name'),
      httpFetch: z
        .strictObject({
          allowedHosts: z
            .array(z.string())
            .default([])
            .describe('Hosts the http_fetch built-in may fetch (exact, or *.example.com)'),
          maxBytes: positiveInt.default(512 * 1024).describe('Largest response body read'),
          timeoutMs: positiveInt.default(10_000).describe('Per-request timeout'),
        })
        .prefault({})
        .describe('The http_fetch built-in'),
      mqtt: z
        .strictObject({
          url: z
            .string()
            .regex(/^(mqtts?|wss?|tcp|tls):\/\/[^/]/, 'an MQTT URL: mqtt://host:port, mqtts://, ws:// or wss://')
            .describe('Broker URL (Mosquitto, EMQX, …): mqtt://host:port, mqtts://, ws://, wss://'),
          allowTopics: z
            .array(z.string().min(1))
            .min(1)
            .describe(
              'MQTT topic filters (+ and # wildcards) the assistant may publish to and read; anything else is refused',
            ),
          username: z.string().optional().describe('Broker user name'),
          password: z.string().optional().describe('Broker password (use ${MQTT_PASSWORD}; never logged)'),
          tls: z
            .strictObject({
              ca: z.string().optional().describe('PEM file of the CA that signed the broker certificate'),
              rejectUnauthorized: z
                .boolean()
                .default(true)
                .describe('Refuse a broker certificate that does not verify'),
            })
            .optional()
            .describe('TLS settings for mqtts:// and wss://'),
          reconnectMaxMs: positiveInt
            .default(30_000)
            .describe('Longest wait between reconnect attempts (the wait doubles from 1 s)'),
        })
        .optional()
        .describe('The MQTT built-in (mqtt_publish, mqtt_read); absent: no MQTT tools'),
      homeAssistant: z
        .strictObject({
          url: z.url().describe('Home Assistant base URL, e.g. http://homeassistant.local:8123'),
          token: z.string().min(1).describe('Long-lived access token (use ${HA_TOKEN}; never logged)'),
          timeoutMs: positiveInt.default(10_000).describe('Per-request timeout'),
          maxEntities: positiveInt.default(30).describe('Most entities one listing hands the model'),
        })
        .optional()
        .describe(
          'The Home Assistant built-in (ha_list, ha_state, ha_call_service) over its REST API; absent: no Home Assistant tools',
        ),
    })
    .prefault({})
    .describe('Skills (plugins): static folder, sidecars, limits, uploads, MCP servers, built-in settings'),
  // </skills section>
  // <security section: owned by the security work (src/security/)>
  security: z
    .strictObject({
      jwt: z
        .strictObject({
          issuer: z
            .string()
            .min(1)
            .default('hearth')
            .describe('`iss` of the access and refresh tokens Hearth signs (ES256, algorithm pinned)'),
          audience: z
            .string()
            .min(1)
            .default('hearth-api')
            .describe('`aud` of access tokens; tokens for another audience are rejected'),
          accessTtlSec: positiveInt.max(3600).default(900).describe('Access token lifetime in seconds'),
          refreshTtlSec: positiveInt
            .default(30 * 24 * 3600)
            .describe('Refresh token family lifetime in seconds (rotates on every use)'),
          clockSkewSec: z
            .int()
            .min(0)
            .max(300)
            .default(30)
            .describe('Tolerated clock difference when checking exp/nbf'),
          keyFile: z
            .string()
            .optional()
            .describe(
              'ES256 private JWK file shared by all gateway replicas; generated into dataDir/security when absent',
            ),
        })
        .prefault({}),
      admin: z
        .strictObject({
          username: z
            .string()
            .min(1)
            .default('admin')
            .describe('Local admin account name (first-run login before OIDC is set up)'),
          passwordHash: z
            .string()
            .regex(
              /^scrypt\$\d+\$\d+\$\d+\$[\w-]+\$[\w-]+$/,
              'not a password hash; make one with `hearth admin hash-password` (the password itself never goes in the config)',
            )
            .optional()
            .describe(
              'scrypt hash from `hearth admin hash-password`; env HEARTH_ADMIN_PASSWORD sets the password instead',
            ),
        })
        .prefault({}),
      oidc: z
        .strictObject({
          issuer: z.url().describe('OpenID provider issuer URL (discovery at /.well-known/openid-configuration)'),
          clientId: z.string().min(1),
          displayName: z
            .string()
            .min(1)
            .max(60)
            .optional()
            .describe("Provider name a sign-in form shows, from GET /auth/providers (default: the issuer's host)"),
          clientSecret: z.string().optional().describe('Omit for a public client (PKCE only)'),
          redirectUri: z.url().describe("This server's /auth/oidc/callback URL as registered at the provider"),
          scopes: z.string().default('openid email profile').describe('Space-separated scopes to request'),
          roleClaim: z
            .string()
            .default('groups')
            .describe('ID-token/userinfo claim (string or list) that maps to a Hearth role'),
          roleMap: z
            .strictObject({
              admin: z.array(z.string()).default([]),
              operator: z.array(z.string()).default([]),
              viewer: z.array(z.string()).default([]),
            })
            .prefault({})
            .describe('Claim values granting each role; the highest match wins'),
          defaultRole: z
            .enum(['admin', 'operator', 'viewer', 'none'])
            .default('none')
            .describe('Role when no claim value matches; none refuses the login'),
          postLoginRedirect: z
            .string()
            .optional()
            .describe('Where the browser goes after login (tokens in the URL fragment); JSON response when absent'),
          allowInsecureHttp: z.boolean().default(false).describe('Allow a plain-HTTP issuer (tests, closed LANs only)'),
        })
        .optional()
        .describe('OAuth 2.0 / OpenID Connect login (authorization code + PKCE)'),
      encryption: z
        .strictObject({
          masterKeyFile: z
            .string()
            .optional()
            .describe('File holding the base64 32-byte key-encryption key; env HEARTH_MASTER_KEY wins'),
          messageBodies: z.boolean().default(false).describe('Also encrypt stored message bodies'),
        })
        .prefault({}),
      ipAllowlist: z
        .strictObject({
          trustedProxies: z
            .array(z.string())
            .default([])
            .describe('CIDRs of reverse proxies whose X-Forwarded-For is believed'),
          admin: z.array(z.string()).default([]).describe('CIDRs allowed on /admin and /auth; empty allows all'),
          api: z.array(z.string()).default([]).describe('CIDRs allowed on the API; empty allows all'),
          webhooks: z.array(z.string()).default([]).describe('CIDRs allowed on /webhooks; empty allows all'),
        })
        .prefault({}),
      rateLimit: z
        .strictObject({
          store: z
            .enum(['auto', 'memory', 'redis'])
            .default('auto')
            .describe('auto: Redis when configured, else in-process memory'),
          ip: z
            .strictObject({ limit: positiveInt.default(300), windowSec: positiveInt.default(60) })
            .prefault({})
            .describe('Requests per client IP'),
          user: z
            .strictObject({ limit: positiveInt.default(600), windowSec: positiveInt.default(60) })
            .prefault({})
            .describe('Requests per user or API token'),
          sender: z
            .strictObject({ limit: positiveInt.default(30), windowSec: positiveInt.default(60) })
            .prefault({})
            .describe('Messages per channel sender'),
          login: z
            .strictObject({ limit: positiveInt.default(10), windowSec: positiveInt.default(300) })
            .prefault({})
            .describe('Login attempts per client IP'),
        })
        .prefault({}),
      tls: z
        .strictObject({
          cert: z.string().describe('PEM certificate chain file'),
          key: z.string().describe('PEM private key file'),
          ca: z.string().optional().describe('PEM CA bundle file'),
          minVersion: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2'),
          reloadIntervalMs: positiveInt.default(10_000).describe('How often the cert files are checked for renewal'),
        })
        .optional()
        .describe('Native HTTPS; omit when a reverse proxy terminates TLS'),
      audit: z
        .strictObject({
          retentionDays: z
            .int()
            .min(180)
            .default(365)
            .describe('Audit rows older than this are pruned (at least 180 days)'),
        })
        .prefault({}),
    })
    .prefault({}),
  // </security section>
  // <knowledge section: owned by the knowledge base work (src/knowledge/)>
  knowledge: z
    .strictObject({
      strict: z
        .boolean()
        .default(true)
        .describe('With no relevant passage, answer that the collection has no answer (the model is not called)'),
      minRelevance: z
        .number()
        .min(0)
        .max(1)
        .default(0.5)
        .describe("Share of the question's (IDF-weighted) terms a passage must contain to count as relevant"),
      passages: positiveInt.max(50).default(5).describe('Most passages placed in the prompt'),
      passageTokens: positiveInt.default(1500).describe('Token budget of the passages placed in the prompt'),
      chunk: z
        .strictObject({
          maxTokens: z
            .int()
            .min(32)
            .max(4000)
            .default(300)
            .describe('Largest chunk (a section longer than this is split)'),
          overlapTokens: z
            .int()
            .min(0)
            .max(1000)
            .default(40)
            .describe('Text repeated at the start of the next piece of a split section'),
        })
        .prefault({}),
      maxFileBytes: positiveInt
        .default(256 * 1024 * 1024)
        .describe('Largest document accepted (upload, folder or URL)'),
      embeddings: z
        .strictObject({
          provider: z
            .enum(['openai', 'embedded'])
            .describe(
              'openai: any OpenAI-compatible /v1/embeddings server; embedded: a GGUF embedding model in process',
            ),
          model: z
            .string()
            .min(1)
            .describe(
              'Model name; for embedded, a GGUF file (relative to dataDir/models; `hearth models pull <URL>` fetches one)',
            ),
          baseUrl: z.url().optional().describe('openai: server base URL ending in /v1'),
          apiKey: z.string().optional().describe('openai: API key, if the server needs one'),
          batchSize: positiveInt.max(2048).default(64).describe('Chunks embedded per request'),
          minSimilarity: z
            .number()
            .min(-1)
            .max(1)
            .default(0.6)
            .describe('Cosine similarity at which a passage counts as relevant'),
          timeoutMs: positiveInt.default(60_000).describe('Per-request timeout'),
        })
        .optional()
        .describe('Vector search (hybrid with BM25 by reciprocal rank fusion); keyword search only when absent'),
      reranker: z
        .strictObject({
          provider: z
            .enum(['http', 'embedded'])
            .describe(
              'http: a /rerank server (llama.cpp server, vLLM, Infinity, Jina, Cohere); embedded: a GGUF reranker in process',
            ),
          model: z
            .string()
            .min(1)
            .describe(
              'Model name; for embedded, a GGUF reranker (e.g. bge-reranker-v2-m3, Qwen3-Reranker) relative to dataDir/models',
            ),
          baseUrl: z.url().optional().describe('http: base URL the `/rerank` path is appended to (e.g. …/v1)'),
          apiKey: z.string().optional().describe('http: API key, sent as a bearer token, if the server needs one'),
          candidates: positiveInt
            .max(100)
            .default(20)
            .describe('Best fused passages the reranker reads and puts in its order'),
          minScore: z
            .number()
            .min(0)
            .max(1)
            .default(0.5)
            .describe('Reranker score at which a passage also counts as relevant'),
          timeoutMs: positiveInt.default(30_000).describe('Per-request timeout (http)'),
        })
        .refine((r) => r.provider !== 'http' || !!r.baseUrl, {
          message: 'http needs `baseUrl`',
          path: ['baseUrl'],
        })
        .optional()
        .describe('Cross-encoder reranking of the fused candidates; the fused order when absent or when it fails'),
      folders: z
        .array(
          z.strictObject({
            collection: z
              .string()
              .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/)
              .describe('Collection the folder feeds'),
            path: z.string().min(1).describe('Folder watched (recursively); added, changed and removed files follow'),
            intervalMs: positiveInt.default(30_000).describe('Rescan interval besides file-change events'),
          }),
        )
        .default([])
        .describe('Watched folders'),
      urls: z
        .strictObject({
          allowedHosts: z
            .array(z.string())
            .default([])
            .describe('Hosts documents may be fetched from (exact, or *.example.com); none: URL ingestion is off'),
          timeoutMs: positiveInt.default(30_000).describe('Per-fetch timeout'),
        })
        .prefault({}),
      attachments: z
        .strictObject({
          maxBytes: positiveInt.default(25 * 1024 * 1024).describe('Largest chat attachment read for the model'),
          maxTokens: positiveInt
            .default(6000)
            .describe("Most tokens of an attachment's text offered to the model (the rest is cut)"),
        })
        .prefault({})
        .describe('Documents attached in a chat (PDF, DOCX, HTML, Markdown, text) are read for that turn'),
    })
    .prefault({})
    .describe('Knowledge base: collections of documents, hybrid retrieval, answers with citations'),
  // </knowledge section>
  // <canvas section: owned by the canvas work (src/canvas/)>
  canvas: z
    .strictObject({
      enabled: z
        .boolean()
        .default(true)
        .describe('Serve live drawing rooms at /canvas/<room> (page, WebSocket, exports) and the canvas skill'),
      auth: z
        .enum(['auto', 'token', 'open'])
        .default('auto')
        .describe(
          'auto: open when bound to loopback, token otherwise (like webchat.auth); share links work in every mode',
        ),
      publicUrl: z
        .url()
        .optional()
        .describe('Base URL of the room links the canvas skill answers with; default: the address Hearth listens on'),
      shareLinkTtlSec: positiveInt
        .default(7 * 24 * 3600)
        .describe('Lifetime of a share link unless the request asks for less'),
      maxUpdateBytes: positiveInt
        .default(1024 * 1024)
        .describe(
          'Largest single update or message from a client (larger: the client is disconnected, the room untouched)',
        ),
      maxRoomBytes: positiveInt.default(16 * 1024 * 1024).describe('Largest stored room; edits beyond it are refused'),
      maxClientsPerRoom: positiveInt.default(200).describe('Most clients connected to one room on one server'),
      maxLoadedRooms: positiveInt.default(500).describe('Most rooms held in memory; idle ones are unloaded first'),
      clientMessagesPerSec: positiveInt
        .default(400)
        .describe(
          'Messages one client may send per second; beyond it the client is told to reconnect later (it loses nothing)',
        ),
      idleUnloadMs: positiveInt
        .default(5 * 60_000)
        .describe('A room nobody is connected to leaves memory after this long'),
      compactEvery: positiveInt
        .default(500)
        .describe("Log entries after which a room's update log is folded into one snapshot"),
      resyncMs: positiveInt
        .default(10_000)
        .describe('How often a loaded room re-reads its log for updates another replica wrote (missed bus messages)'),
    })
    .prefault({}),
  // </canvas section>
  // <backup section: owned by the durability work (src/ops/backup/)>
  backup: z
    .strictObject({
      dir: z
        .string()
        .optional()
        .describe(
          'Folder the archives (and the model cache) go to; default dataDir/backups (left out of the archives). Put it on another disk, or set backup.s3',
        ),
      scheduled: z
        .boolean()
        .default(true)
        .describe(
          '`hearth start` (all-in-one) takes a backup on `schedule`; the scaled roles never do (run `hearth backup` from one place)',
        ),
      schedule: z
        .string()
        .default('0 3 * * *')
        .describe('Cron expression (server local time) of scheduled backups; default daily at 03:00'),
      keepDaily: z
        .int()
        .min(0)
        .default(7)
        .describe('Retention: keep the newest backup of each of the last N days that have one'),
      keepWeekly: z
        .int()
        .min(0)
        .default(4)
        .describe('Retention: also keep the newest backup of each of the last M ISO weeks that have one'),
      models: z
        .boolean()
        .default(true)
        .describe('Back up dataDir/models incrementally (each file once per content hash, in dir/model-cache)'),
      encryption: z
        .strictObject({
          keyFile: z
            .string()
            .optional()
            .describe(
              'File holding the base64 32-byte AES-256-GCM archive key; env HEARTH_BACKUP_KEY wins. Unencrypted when neither is set',
            ),
        })
        .prefault({}),
      s3: z
        .strictObject({
          bucket: z.string().min(1).describe('Bucket the archives are uploaded to (created when missing)'),
          prefix: z.string().default('hearth-backups/').describe('Key prefix of the archives inside the bucket'),
          region: z.string().default('us-east-1'),
          endpoint: z.url().optional().describe('S3-compatible endpoint (MinIO, Ceph, R2…); AWS when absent'),
          forcePathStyle: z.boolean().default(true),
          accessKeyId: z
            .string()
            .optional()
            .describe('Access key; env HEARTH_S3_ACCESS_KEY_ID, else the AWS default chain'),
          secretAccessKey: z.string().optional().describe('Secret key; env HEARTH_S3_SECRET_ACCESS_KEY'),
        })
        .optional()
        .describe('Also upload every archive to an S3-compatible store (retention applies there too)'),
    })
    .prefault({})
    .describe('Backups: `hearth backup`, the daily schedule, retention, encryption, S3 upload'),
  // </backup section>
  // <voice section: owned by the voice work (src/voice/)>
  voice: z
    .strictObject({
      enabled: z
        .boolean()
        .default(false)
        .describe('Serve the browser voice page (/voice.html) and its WebRTC endpoint (/voice/offer)'),
      auth: z
        .enum(['auto', 'token', 'open'])
        .default('auto')
        .describe('auto: open when bound to loopback, token otherwise (like webchat.auth)'),
      ice: z
        .strictObject({
          addresses: z
            .array(z.string())
            .default(['127.0.0.1'])
            .describe('Local IPv4 addresses offered as ICE host candidates; nothing else is gathered'),
          portRange: z
            .tuple([z.int().min(1024), z.int().max(65535)])
            .optional()
            .describe('UDP port range [min, max] for media (firewalls)'),
          stunServers: z
            .array(z.string())
            .default([])
            .describe('STUN URLs (stun:host:port) for server-reflexive candidates behind NAT'),
        })
        .prefault({}),
      denoise: z.boolean().default(true).describe('RNNoise noise reduction before voice activity detection'),
      vad: z
        .strictObject({
          threshold: z
            .number()
            .min(0)
            .max(1)
            .default(0.6)
            .describe('RNNoise voice probability above which a 10 ms frame counts as speech'),
          minLevelDb: z.number().max(0).default(-50).describe('Frames quieter than this (dBFS) never count as speech'),
          startMs: positiveInt.default(60).describe('Speech this long starts an utterance (and interrupts playback)'),
          endSilenceMs: positiveInt.default(400).describe('Silence this long ends the turn'),
          maxUtteranceMs: positiveInt.default(15_000).describe('An utterance is cut and transcribed at this length'),
        })
        .prefault({}),
      bargeIn: z.boolean().default(true).describe('Speaking while the assistant talks stops its speech'),
      maxSessions: positiveInt
        .default(8)
        .describe('Most simultaneous voice calls (each decodes, denoises and encodes audio in this process)'),
      asr: z
        .strictObject({
          provider: z
            .enum(['pocketsphinx', 'openai'])
            .default('pocketsphinx')
            .describe('pocketsphinx (embedded, offline) or openai (any /v1/audio/transcriptions server)'),
          mode: z
            .enum(['grammar', 'dictation'])
            .default('grammar')
            .describe('pocketsphinx: grammar recognizes only `phrases` (accurate); dictation is free text (weak)'),
          phrases: z.array(z.string().min(1)).default([]).describe('Command phrases of the grammar mode'),
          modelDir: z
            .string()
            .default('/usr/share/pocketsphinx/model/en-us')
            .describe('pocketsphinx model folder (Debian pocketsphinx-en-us)'),
          baseUrl: z.url().optional().describe('openai: server base URL ending in /v1'),
          apiKey: z.string().optional().describe('openai: API key, if the server needs one'),
          model: z.string().default('whisper-1').describe('openai: model name'),
          language: z.string().optional().describe('openai: ISO-639-1 language hint'),
          timeoutMs: positiveInt.default(15_000).describe('Per-utterance recognition timeout'),
        })
        .prefault({}),
      tts: z
        .strictObject({
          provider: z
            .enum(['espeak', 'openai'])
            .default('espeak')
            .describe('espeak (espeak-ng program, offline) or openai (any /v1/audio/speech server: Piper, Kokoro)'),
          voice: z.string().default('en-us').describe('espeak voice, or the openai server voice name'),
          wordsPerMinute: positiveInt.default(175).describe('espeak speaking rate'),
          baseUrl: z.url().optional().describe('openai: server base URL ending in /v1'),
          apiKey: z.string().optional().describe('openai: API key, if the server needs one'),
          model: z.string().default('tts-1').describe('openai: model name'),
          timeoutMs: positiveInt.default(15_000).describe('Per-sentence synthesis timeout'),
        })
        .prefault({}),
      voiceNotes: z
        .strictObject({
          transcribe: z
            .boolean()
            .default(true)
            .describe('Transcribe voice notes from chat apps (Telegram, WhatsApp) with the ASR provider'),
          replyAgents: z
            .array(z.string())
            .default([])
            .describe('Agents that also answer a voice note with a voice note'),
        })
        .prefault({}),
    })
    .prefault({}),
  // </voice section>
  // <home section: owned by the home hub work (src/home/)>
  home: z
    .strictObject({
      devices: z
        .record(
          z.string().min(1),
          z
            .strictObject({
              entity: z
                .string()
                .regex(/^[a-z_]+\.[a-z0-9_]+$/, 'a Home Assistant entity id like light.kitchen')
                .optional()
                .describe('Home Assistant entity id'),
              topic: z.string().min(1).optional().describe('MQTT command topic'),
              stateTopic: z.string().min(1).optional().describe('MQTT topic the device reports its state on'),
              on: z.string().default('ON').describe('MQTT payload that turns it on'),
              off: z.string().default('OFF').describe('MQTT payload that turns it off'),
            })
            .refine((d) => !!d.entity || !!d.topic, 'give `entity` (Home Assistant) or `topic` (MQTT)'),
        )
        .default({})
        .describe(
          'Device names in the user\'s words ("kitchen light") mapped to a Home Assistant entity or an MQTT topic',
        ),
    })
    .prefault({}),
  // </home section>
  privacy: z
    .strictObject({
      retentionDays: positiveInt
        .optional()
        .describe(
          'Delete messages and their files older than this many days on every channel without its own `retentionDays` (channels.yml); absent: kept until deleted. Runs at start and daily, audited as `retention.prune`',
        ),
    })
    .prefault({})
    .describe('Privacy: how long conversations are kept'),
});

export type HearthConfig = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
