/** The engine's view of the knowledge base: retrieval for agents with collections, attachment limits. */
import type { AgentConfig, HearthConfig } from '../core/config.js';
import type { EngineKnowledge } from '../engine/engine.js';
import type { KnowledgeBase } from './knowledge-base.js';

export function engineKnowledge(kb: KnowledgeBase, config: () => Pick<HearthConfig, 'knowledge'>): EngineKnowledge {
  return {
    prepare: async (_agentId: string, agent: AgentConfig, text: string) =>
      agent.knowledge?.length ? kb.prepare(agent.knowledge, text) : undefined,
    attachmentLimits: () => config().knowledge.attachments,
  };
}
