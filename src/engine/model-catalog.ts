/**
 * The models `hearth models pull [NAME]` knows by name: small instruction-tuned GGUF files on the
 * Hugging Face hub that run on a CPU and know the chat template and tool calling node-llama-cpp
 * renders. Anything else can be pulled by full URL.
 */

export interface PullableModel {
  /** What the user types: `hearth models pull qwen2.5-0.5b-instruct`. */
  name: string;
  description: string;
  /** Hub repository, `owner/name`. */
  repo: string;
  /** File in the repository; also the name it gets in `<dataDir>/models/`. */
  file: string;
  /**
   * Expected SHA-256 when we could establish it independently of the download. When absent the
   * hub's own checksum header is used (see `model-pull.ts`).
   */
  sha256?: string;
}

export const defaultHubUrl = 'https://huggingface.co';

export const pullableModels: readonly PullableModel[] = [
  {
    name: 'qwen2.5-0.5b-instruct',
    description: 'Qwen2.5 0.5B Instruct, Q4_K_M (~0.5 GB): fast on any CPU, tool calling',
    repo: 'Qwen/Qwen2.5-0.5B-Instruct-GGUF',
    file: 'qwen2.5-0.5b-instruct-q4_k_m.gguf',
  },
  {
    name: 'qwen2.5-1.5b-instruct',
    description: 'Qwen2.5 1.5B Instruct, Q4_K_M (~1.1 GB): better answers, still CPU-friendly',
    repo: 'Qwen/Qwen2.5-1.5B-Instruct-GGUF',
    file: 'qwen2.5-1.5b-instruct-q4_k_m.gguf',
  },
  {
    name: 'llama3.2-1b-instruct',
    description: 'Llama 3.2 1B Instruct, Q4_K_M (~0.8 GB)',
    repo: 'bartowski/Llama-3.2-1B-Instruct-GGUF',
    file: 'Llama-3.2-1B-Instruct-Q4_K_M.gguf',
  },
];

/** The model pulled when no NAME is given. */
export const defaultPullableModel = 'qwen2.5-0.5b-instruct';

/** Looks a model up by name (case-insensitive). */
export function findPullableModel(name: string): PullableModel | undefined {
  const wanted = name.trim().toLowerCase();
  return pullableModels.find((m) => m.name === wanted);
}

/** The hub's download URL of a catalog model: `<base>/<repo>/resolve/main/<file>`. */
export function hubFileUrl(model: PullableModel, baseUrl = defaultHubUrl): string {
  return `${baseUrl.replace(/\/+$/, '')}/${model.repo}/resolve/main/${encodeURIComponent(model.file)}`;
}
