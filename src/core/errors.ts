/**
 * Stable error codes. A code appears in the API response, the log line and the README's
 * error table; never reuse or rename one.
 */
export const ErrorCode = {
  config: 'HEARTH_E_CONFIG',
  noModel: 'HEARTH_E_NO_MODEL',
  unknownModel: 'HEARTH_E_UNKNOWN_MODEL',
  modelFailed: 'HEARTH_E_MODEL_FAILED',
  modelTimeout: 'HEARTH_E_MODEL_TIMEOUT',
  circuitOpen: 'HEARTH_E_CIRCUIT_OPEN',
  unauthorized: 'HEARTH_E_UNAUTHORIZED',
  forbidden: 'HEARTH_E_FORBIDDEN',
  badRequest: 'HEARTH_E_BAD_REQUEST',
  tooLarge: 'HEARTH_E_TOO_LARGE',
  notFound: 'HEARTH_E_NOT_FOUND',
  shuttingDown: 'HEARTH_E_SHUTTING_DOWN',
  storage: 'HEARTH_E_STORAGE',
  download: 'HEARTH_E_DOWNLOAD',
  checksum: 'HEARTH_E_CHECKSUM',
  channel: 'HEARTH_E_CHANNEL',
  tool: 'HEARTH_E_TOOL',
  internal: 'HEARTH_E_INTERNAL',
  skillInvalid: 'HEARTH_E_SKILL_INVALID',
  skillExists: 'HEARTH_E_SKILL_EXISTS',
  skillZip: 'HEARTH_E_SKILL_ZIP',
  skillSignature: 'HEARTH_E_SKILL_SIGNATURE',
  skillTimeout: 'HEARTH_E_SKILL_TIMEOUT',
  skillUnavailable: 'HEARTH_E_SKILL_UNAVAILABLE',
  rateLimited: 'HEARTH_E_RATE_LIMITED',
  /** A turn would pass a token or cost budget (`budgets.*`); refused before the model is called. */
  budget: 'HEARTH_E_BUDGET',
  crypto: 'HEARTH_E_CRYPTO',
  auditBroken: 'HEARTH_E_AUDIT_BROKEN',
  asr: 'HEARTH_E_ASR',
  tts: 'HEARTH_E_TTS',
  voice: 'HEARTH_E_VOICE',
  busy: 'HEARTH_E_BUSY',
  bus: 'HEARTH_E_BUS',
  /** WhatsApp Cloud API: the 24-hour customer service window is closed; only templates may be sent. */
  outsideWindow: 'HEARTH_E_OUTSIDE_WINDOW',
  /** Knowledge base: a file type no extractor reads. */
  knowledgeUnsupported: 'HEARTH_E_KNOWLEDGE_UNSUPPORTED',
  /** Knowledge base: a file that could not be read (corrupt, encrypted, empty). */
  knowledgeExtract: 'HEARTH_E_KNOWLEDGE_EXTRACT',
  /** Knowledge base: the embedding provider failed. */
  knowledgeEmbedding: 'HEARTH_E_KNOWLEDGE_EMBEDDING',
  /** Knowledge base: the reranker failed (the fused order is kept). */
  knowledgeRerank: 'HEARTH_E_KNOWLEDGE_RERANK',
  /** Knowledge base: a URL outside `knowledge.urls.allowedHosts`, or a fetch that failed. */
  knowledgeUrl: 'HEARTH_E_KNOWLEDGE_URL',
  /** Backup and restore: a corrupt or unreadable archive, a non-empty restore target, a failed dump. */
  backup: 'HEARTH_E_BACKUP',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** An error with a stable code and a message safe to show to the user or API client. */
export class HearthError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly httpStatus = 500,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HearthError';
  }
}

/** What goes into a log line about an error: its kind and message, never request bodies or keys. */
export function errorSummary(err: unknown): { type: string; message: string; status?: number } {
  if (err instanceof Error) {
    const status = (err as { status?: number }).status;
    return { type: err.name, message: err.message.slice(0, 500), ...(status ? { status } : {}) };
  }
  return { type: typeof err, message: String(err).slice(0, 500) };
}
