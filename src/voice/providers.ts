/** Builds the configured ASR and TTS adapters: the only place that knows every speech provider. */
import type { HearthConfig } from '../core/config.js';
import { ErrorCode, HearthError } from '../core/errors.js';
import type { AsrProvider, TtsProvider } from '../core/voice.js';
import { OpenAiAsr } from './asr/openai/index.js';
import { PocketsphinxAsr } from './asr/pocketsphinx/index.js';
import { EspeakTts } from './tts/espeak/index.js';
import { OpenAiTts } from './tts/openai/index.js';

type VoiceConfig = HearthConfig['voice'];

export function createAsr(config: VoiceConfig['asr']): AsrProvider {
  if (config.provider === 'openai') {
    if (!config.baseUrl)
      throw new HearthError(ErrorCode.config, 'voice.asr.baseUrl is required for the openai provider', 400);
    return new OpenAiAsr({
      baseUrl: config.baseUrl,
      apiKey: config.apiKey,
      model: config.model,
      language: config.language,
      timeoutMs: config.timeoutMs,
    });
  }
  return new PocketsphinxAsr({
    mode: config.mode,
    phrases: config.phrases,
    modelDir: config.modelDir,
    timeoutMs: config.timeoutMs,
  });
}

export function createTts(config: VoiceConfig['tts']): TtsProvider {
  if (config.provider === 'openai') {
    if (!config.baseUrl)
      throw new HearthError(ErrorCode.config, 'voice.tts.baseUrl is required for the openai provider', 400);
    return new OpenAiTts({
      baseUrl: config.baseUrl,
      apiKey: config.apiKey,
      model: config.model,
      voice: config.voice,
      timeoutMs: config.timeoutMs,
    });
  }
  return new EspeakTts({ voice: config.voice, wordsPerMinute: config.wordsPerMinute, timeoutMs: config.timeoutMs });
}
