/** The voice module's public surface for the composition root and chat channels. */
export { VoiceChannel, createVoiceChannel, type VoiceChannelDeps, type VoiceConfig } from './channel.js';
export { attachVoiceReply, synthesizeVoiceReply, transcribeVoiceAttachments } from './voice-notes.js';
export { createAsr, createTts } from './providers.js';
export { VoiceMetrics, type TurnLatency } from './latency.js';
