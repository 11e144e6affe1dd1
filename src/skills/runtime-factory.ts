/** Creates the runtime a manifest asks for, with the host's limits and the skill's grants. */
import { isAbsolute, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { HearthConfig } from '../core/config.js';
import type { SkillManifest } from './manifest.js';
import type { SkillRuntime } from './runtime.js';
import { InProcessRuntime, loadSkillModule } from './runtimes/in-process/index.js';
import type { ProcessRuntimeOptions } from './runtimes/process-options.js';

export interface RuntimeEnvironment {
  settings: HearthConfig['skills'];
  /** Where sidecar sockets live. */
  sidecarDir: string;
  log: Logger;
}

// Runtimes are imported when a skill needs one: gRPC and the MCP SDK alone weigh ~20 MB of memory,
// which an installation that uses neither should not pay.

/** Builds (does not start) the runtime for a skill unpacked in `skillDir` with data in `dataDir`. */
export async function createRuntime(
  manifest: SkillManifest,
  skillDir: string,
  dataDir: string,
  env: RuntimeEnvironment,
): Promise<SkillRuntime> {
  const s = env.settings;
  const opts: ProcessRuntimeOptions = {
    manifest,
    grants: { skill: manifest.name, skillDir, dataDir, ...manifest.permissions },
    log: env.log,
    startTimeoutMs: s.startTimeoutMs,
    maxOutputBytesPerSec: s.maxOutputBytesPerSec,
    restart: s.restart,
  };
  switch (manifest.runtime) {
    case 'in-process':
      return new InProcessRuntime(await loadSkillModule(skillDir, manifest.entry!));
    case 'http':
      return new (await import('./runtimes/http/index.js')).HttpRuntime(opts);
    case 'grpc':
      return new (await import('./runtimes/grpc/index.js')).GrpcRuntime(opts);
    case 'mcp':
      return new (await import('./runtimes/mcp/index.js')).McpRuntime(opts);
    case 'sidecar': {
      const socket = manifest.socket!;
      const socketPath = isAbsolute(socket) ? socket : resolve(join(env.sidecarDir, socket));
      const { SidecarRuntime } = await import('./runtimes/sidecar/index.js');
      return new SidecarRuntime({ manifest, socketPath, startTimeoutMs: s.startTimeoutMs, log: env.log });
    }
  }
}
