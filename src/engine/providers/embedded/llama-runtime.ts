/**
 * Loading node-llama-cpp on demand. It is an optional dependency (its prebuilt CUDA/Vulkan
 * binaries weigh ~730 MB), so an API-only install (`npm ci --omit=optional`) must never load it.
 *
 * The types below are the narrow slice of node-llama-cpp 3.21.1's API this provider uses, written
 * out by hand instead of `import type … from 'node-llama-cpp'`: a type import would make the
 * TypeScript build fail on installs without the optional package.
 */
import type { Logger } from 'pino';
import { ProviderError } from '../../../core/model-provider.js';

/** The pinned version; newer releases break `npm ci` on the machines we test on. */
export const nodeLlamaCppVersion = '3.21.1';

export type LlamaChatHistoryItem =
  | { type: 'system'; text: string }
  | { type: 'user'; text: string }
  | { type: 'model'; response: Array<string | LlamaFunctionCallItem> };

/** A function call kept in the chat history, with its result once the tool ran. */
export interface LlamaFunctionCallItem {
  type: 'functionCall';
  name: string;
  description?: string;
  params: unknown;
  result: unknown;
}

export type LlamaFunctions = Record<string, { description?: string; params?: Record<string, unknown> }>;

export interface LlamaGenerateOptions {
  onTextChunk?: (text: string) => void;
  onToken?: (tokens: number[]) => void;
  onFunctionCall?: (call: { functionName: string; params: unknown }) => void;
  signal?: AbortSignal;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  seed?: number;
  functions?: LlamaFunctions;
}

export interface LlamaGenerateResult {
  response: string;
  functionCalls?: Array<{ functionName: string; params: unknown }>;
  metadata: {
    stopReason: 'eogToken' | 'stopGenerationTrigger' | 'functionCalls' | 'maxTokens' | 'abort' | 'customStopTrigger';
  };
}

export interface LlamaChat {
  generateResponse(history: LlamaChatHistoryItem[], options: LlamaGenerateOptions): Promise<LlamaGenerateResult>;
  dispose(options?: { disposeSequence?: boolean }): void;
}

export interface LlamaContextSequence {
  readonly contextTokens: number[];
  readonly tokenMeter: { readonly usedInputTokens: number; readonly usedOutputTokens: number };
}

export interface LlamaContext {
  readonly contextSize: number;
  getSequence(): LlamaContextSequence;
  dispose(): Promise<void>;
}

export interface LlamaModel {
  createContext(options: { contextSize: number; threads: number; sequences: number }): Promise<LlamaContext>;
  dispose(): Promise<void>;
}

export interface Llama {
  loadModel(options: { modelPath: string; gpuLayers?: number }): Promise<LlamaModel>;
  dispose(): Promise<void>;
}

type LlamaLogLevel = 'disabled' | 'fatal' | 'error' | 'warn' | 'info' | 'log' | 'debug';

/** The module's exports this provider touches. */
export interface NodeLlamaCpp {
  getLlama(options: {
    gpu: false;
    build: 'never';
    skipDownload: boolean;
    progressLogs: boolean;
    logLevel: LlamaLogLevel;
    logger?: (level: LlamaLogLevel, message: string) => void;
  }): Promise<Llama>;
  LlamaChat: new (options: { contextSequence: LlamaContextSequence }) => LlamaChat;
}

/** The message a user sees when the optional package is not installed. */
export function missingRuntimeMessage(moduleName: string): string {
  return (
    `The embedded model provider needs the optional package ${moduleName}, which is not installed. ` +
    `Install it with \`npm install node-llama-cpp@${nodeLlamaCppVersion}\`, or choose an API model instead ` +
    '(MODEL_ENDPOINT, an API key, or Ollama). Installs that only use APIs can skip it with `npm ci --omit=optional`.'
  );
}

function isModuleNotFound(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/**
 * Imports node-llama-cpp (or `moduleName`, which tests point at a missing module) and starts a
 * CPU-only llama.cpp runtime from the prebuilt binaries: never build, never download.
 */
export async function loadLlama(moduleName: string, log?: Logger): Promise<{ runtime: NodeLlamaCpp; llama: Llama }> {
  let runtime: NodeLlamaCpp;
  try {
    runtime = (await import(moduleName)) as NodeLlamaCpp;
  } catch (err) {
    if (isModuleNotFound(err)) throw new ProviderError(missingRuntimeMessage(moduleName), false);
    throw new ProviderError(`Could not load ${moduleName}: ${(err as Error).message}`, false);
  }
  try {
    const llama = await runtime.getLlama({
      gpu: false,
      build: 'never',
      skipDownload: true,
      progressLogs: false,
      logLevel: log ? 'warn' : 'error',
      logger: log ? (level, message) => logLlama(log, level, message) : undefined,
    });
    return { runtime, llama };
  } catch (err) {
    throw new ProviderError(
      `node-llama-cpp found no usable prebuilt llama.cpp binary for this machine (${(err as Error).message}). ` +
        `Reinstall it with \`npm install node-llama-cpp@${nodeLlamaCppVersion}\`.`,
      false,
    );
  }
}

function logLlama(log: Logger, level: LlamaLogLevel, message: string): void {
  const text = message.trim();
  if (!text) return;
  if (level === 'fatal' || level === 'error') log.error({ source: 'llama.cpp' }, text);
  else if (level === 'warn') log.warn({ source: 'llama.cpp' }, text);
  else log.debug({ source: 'llama.cpp' }, text);
}
