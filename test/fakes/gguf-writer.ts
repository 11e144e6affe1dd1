/**
 * A dependency-free GGUF v3 writer that makes a tiny llama-architecture model with seeded random
 * weights (~0.5 MB), so the embedded provider is tested against the real node-llama-cpp runtime
 * without downloading a model. Format: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
 *
 * The weights are random but shaped on purpose: embedding dimension 0 carries a constant "anchor"
 * value through the residual stream, and the output rows read that dimension to add a fixed bias
 * per token. That lets a test pin what the model tends to say (word pieces over raw bytes, never
 * end-of-sequence before `maxTokens`, or one favoured token) while everything else stays random.
 */
import { writeFileSync } from 'node:fs';

/** GGUF metadata value types (gguf.md, `gguf_metadata_value_type`). */
const GgufType = { uint32: 4, int32: 5, float32: 6, bool: 7, string: 8, array: 9 } as const;
/** ggml tensor type F32. */
const ggmlF32 = 0;
const alignment = 32;

/** llama.cpp token types (`llama_token_type`). */
const TokenType = { normal: 1, unknown: 2, control: 3, byte: 6 } as const;

export interface TinyGgufOptions {
  /** PRNG seed of the weights; the same seed writes the same bytes. */
  seed?: number;
  /** Extra word pieces; spaces are written as SentencePiece's `▁`. */
  words?: string[];
  /**
   * A token (it is added to the vocabulary) the model will almost always emit, e.g. the
   * function-call prefix `||call:` of node-llama-cpp's general chat wrapper to force a tool call.
   */
  favourToken?: string;
  /** Model context length written to `<arch>.context_length` (tool calling wants ≥ 8192). */
  contextLength?: number;
  /**
   * `qwen3`: Qwen3's layout (per-head query/key norms), the architecture of the Qwen3 rerankers;
   * with `rankingHead`, a `cls.output` relevance head as llama.cpp's rank pooling reads it.
   */
  architecture?: 'llama' | 'qwen3';
  rankingHead?: boolean;
}

const defaultWords = [' hello', ' world', ' the', ' fire', ' is', ' warm', ' Hearth', ' yes', ' no', ' ok', '.', '!'];

interface Tensor {
  name: string;
  dims: number[];
  data: Float32Array;
}

type MetaValue =
  | { type: 'u32'; value: number }
  | { type: 'f32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'strings'; value: string[] }
  | { type: 'f32s'; value: number[] }
  | { type: 'i32s'; value: number[] };

/** Mulberry32: a tiny seeded PRNG, enough for reproducible test weights. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Builds the tiny model's vocabulary: control tokens, the 256 byte tokens, then word pieces. */
function buildVocab(words: string[]): { tokens: string[]; scores: number[]; types: number[] } {
  const tokens = ['<unk>', '<s>', '</s>'];
  const types: number[] = [TokenType.unknown, TokenType.control, TokenType.control];
  const scores = [0, 0, 0];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    types.push(TokenType.byte);
    scores.push(0);
  }
  for (const [i, word] of words.entries()) {
    tokens.push(word.replaceAll(' ', '\u2581'));
    types.push(TokenType.normal);
    // SentencePiece merges prefer higher scores; longer pieces win.
    scores.push(-i);
  }
  return { tokens, scores, types };
}

/**
 * Writes a tiny llama GGUF to `path` and returns its size in bytes.
 * Shapes: n_embd 64, 2 blocks, 4 heads (2 KV heads), feed-forward 128, vocab ≈ 270.
 */
export function writeTinyGguf(path: string, options: TinyGgufOptions = {}): number {
  const bytes = buildTinyGguf(options);
  writeFileSync(path, bytes);
  return bytes.length;
}

/** Builds the GGUF file in memory (see `writeTinyGguf`). */
export function buildTinyGguf(options: TinyGgufOptions = {}): Buffer {
  const random = seededRandom(options.seed ?? 1);
  const words = [...(options.words ?? defaultWords)];
  if (options.favourToken && !words.includes(options.favourToken)) words.push(options.favourToken);
  const vocab = buildVocab(words);
  const nVocab = vocab.tokens.length;
  const nEmbd = 64;
  const nHead = 4;
  const nHeadKv = 2;
  const nFf = 128;
  const nLayer = 2;
  const headDim = nEmbd / nHead;
  const kvDim = headDim * nHeadKv;
  const arch = options.architecture ?? 'llama';

  const noise = (n: number, scale: number): Float32Array => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = (random() * 2 - 1) * scale;
    return out;
  };
  const ones = (n: number): Float32Array => new Float32Array(n).fill(1);

  // Row r of a [nEmbd, rows] tensor is data[r*nEmbd ... r*nEmbd+nEmbd-1] (ne[0] is innermost).
  const tokenEmbd = noise(nEmbd * nVocab, 0.3);
  for (let t = 0; t < nVocab; t++) tokenEmbd[t * nEmbd] = 4; // the anchor dimension
  const output = noise(nEmbd * nVocab, 0.5);
  const favoured = options.favourToken ? vocab.tokens.indexOf(options.favourToken.replaceAll(' ', '\u2581')) : -1;
  for (let t = 0; t < nVocab; t++) {
    const isWord = vocab.types[t] === TokenType.normal;
    let bias = isWord ? 0.4 : 0;
    if (t === 2) bias = -3; // `</s>`: run to maxTokens so tests see a known amount of text
    if (t === 0 || t === 1) bias = -3;
    if (t === favoured) bias = 3;
    output[t * nEmbd] = bias;
  }

  const tensors: Tensor[] = [
    { name: 'token_embd.weight', dims: [nEmbd, nVocab], data: tokenEmbd },
    { name: 'output_norm.weight', dims: [nEmbd], data: ones(nEmbd) },
    { name: 'output.weight', dims: [nEmbd, nVocab], data: output },
  ];
  for (let l = 0; l < nLayer; l++) {
    const p = `blk.${l}.`;
    tensors.push(
      { name: `${p}attn_norm.weight`, dims: [nEmbd], data: ones(nEmbd) },
      { name: `${p}attn_q.weight`, dims: [nEmbd, nEmbd], data: noise(nEmbd * nEmbd, 0.05) },
      { name: `${p}attn_k.weight`, dims: [nEmbd, kvDim], data: noise(nEmbd * kvDim, 0.05) },
      { name: `${p}attn_v.weight`, dims: [nEmbd, kvDim], data: noise(nEmbd * kvDim, 0.05) },
      { name: `${p}attn_output.weight`, dims: [nEmbd, nEmbd], data: noise(nEmbd * nEmbd, 0.05) },
      { name: `${p}ffn_norm.weight`, dims: [nEmbd], data: ones(nEmbd) },
      { name: `${p}ffn_gate.weight`, dims: [nEmbd, nFf], data: noise(nEmbd * nFf, 0.05) },
      { name: `${p}ffn_up.weight`, dims: [nEmbd, nFf], data: noise(nEmbd * nFf, 0.05) },
      { name: `${p}ffn_down.weight`, dims: [nFf, nEmbd], data: noise(nFf * nEmbd, 0.05) },
    );
    if (arch === 'qwen3')
      tensors.push(
        { name: `${p}attn_q_norm.weight`, dims: [headDim], data: ones(headDim) },
        { name: `${p}attn_k_norm.weight`, dims: [headDim], data: ones(headDim) },
      );
  }
  // One relevance logit per input, read from the last token's hidden state.
  if (options.rankingHead) tensors.push({ name: 'cls.output.weight', dims: [nEmbd, 2], data: noise(nEmbd * 2, 1) });

  const meta: [string, MetaValue][] = [
    ['general.architecture', { type: 'string', value: arch }],
    ['general.name', { type: 'string', value: 'hearth-tiny-test' }],
    ['general.alignment', { type: 'u32', value: alignment }],
    [`${arch}.context_length`, { type: 'u32', value: options.contextLength ?? 8192 }],
    [`${arch}.embedding_length`, { type: 'u32', value: nEmbd }],
    [`${arch}.block_count`, { type: 'u32', value: nLayer }],
    [`${arch}.feed_forward_length`, { type: 'u32', value: nFf }],
    [`${arch}.attention.head_count`, { type: 'u32', value: nHead }],
    [`${arch}.attention.head_count_kv`, { type: 'u32', value: nHeadKv }],
    [`${arch}.attention.layer_norm_rms_epsilon`, { type: 'f32', value: 1e-5 }],
    [`${arch}.rope.dimension_count`, { type: 'u32', value: nEmbd / nHead }],
    [`${arch}.vocab_size`, { type: 'u32', value: nVocab }],
    ['tokenizer.ggml.model', { type: 'string', value: 'llama' }],
    ['tokenizer.ggml.tokens', { type: 'strings', value: vocab.tokens }],
    ['tokenizer.ggml.scores', { type: 'f32s', value: vocab.scores }],
    ['tokenizer.ggml.token_type', { type: 'i32s', value: vocab.types }],
    ['tokenizer.ggml.unknown_token_id', { type: 'u32', value: 0 }],
    ['tokenizer.ggml.bos_token_id', { type: 'u32', value: 1 }],
    ['tokenizer.ggml.eos_token_id', { type: 'u32', value: 2 }],
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: true }],
    ['tokenizer.ggml.add_eos_token', { type: 'bool', value: false }],
  ];
  if (options.rankingHead) meta.push([`${arch}.classifier.output_labels`, { type: 'strings', value: ['yes', 'no'] }]);
  return serialize(meta, tensors);
}

/** Serializes header, metadata, tensor infos and aligned tensor data (little-endian throughout). */
function serialize(meta: [string, MetaValue][], tensors: Tensor[]): Buffer {
  const parts: Buffer[] = [];
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    parts.push(b);
  };
  const i32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32LE(n);
    parts.push(b);
  };
  const u64 = (n: number) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    parts.push(b);
  };
  const f32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeFloatLE(n);
    parts.push(b);
  };
  const str = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    u64(b.length);
    parts.push(b);
  };

  parts.push(Buffer.from('GGUF', 'ascii'));
  u32(3);
  u64(tensors.length);
  u64(meta.length);
  for (const [key, v] of meta) {
    str(key);
    switch (v.type) {
      case 'u32':
        u32(GgufType.uint32);
        u32(v.value);
        break;
      case 'f32':
        u32(GgufType.float32);
        f32(v.value);
        break;
      case 'bool':
        u32(GgufType.bool);
        parts.push(Buffer.from([v.value ? 1 : 0]));
        break;
      case 'string':
        u32(GgufType.string);
        str(v.value);
        break;
      case 'strings':
        u32(GgufType.array);
        u32(GgufType.string);
        u64(v.value.length);
        v.value.forEach(str);
        break;
      case 'f32s':
        u32(GgufType.array);
        u32(GgufType.float32);
        u64(v.value.length);
        v.value.forEach(f32);
        break;
      case 'i32s':
        u32(GgufType.array);
        u32(GgufType.int32);
        u64(v.value.length);
        v.value.forEach(i32);
        break;
    }
  }
  let offset = 0;
  for (const t of tensors) {
    str(t.name);
    u32(t.dims.length);
    t.dims.forEach(u64);
    u32(ggmlF32);
    u64(offset);
    offset += align(t.data.byteLength);
  }
  const header = Buffer.concat(parts);
  const out = Buffer.alloc(align(header.length) + offset);
  header.copy(out);
  let at = align(header.length);
  for (const t of tensors) {
    Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(out, at);
    at += align(t.data.byteLength);
  }
  return out;
}

function align(n: number): number {
  return Math.ceil(n / alignment) * alignment;
}
