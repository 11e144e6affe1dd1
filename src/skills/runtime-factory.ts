/** Creates the runtime a manifest asks for, with the host's limits and the skill's grants. */
import { isAbsolute, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { HearthConfig } from '../core/config.js';
import type { SkillManifest } from './manifest.js';
import type { SkillRuntime } from './runtime.js';
import { GrpcRuntime } from './runtimes/grpc/index.js';
import { HttpRuntime } from './runtimes/http/index.js';
import { InProcessRuntime, loadSkillModule } from './runtimes/in-process/index.js';
import { McpRuntime } from './runtimes/mcp/index.js';
import type { ProcessRuntimeOptions } from './runtimes/process-options.js';
import { SidecarRuntime } from './runtimes/sidecar/index.js';

export interface RuntimeEnvironment {
  settings: HearthConfig['skills'];
  /** Where sidecar sockets live. */
  sidecarDir: string;
  log: Logger;
}

/** Builds (does not start) the runtime for a skill unpacked in `skillDir` with data in `dataDir`. */
export async function createRuntime(manifest: SkillManifest, skillDir: string, dataDir: string, env: RuntimeEnvironment): Promise<SkillRuntime> {
  const s = env.settings;
  const opts: ProcessRuntimeOptions = {
    manifest,
    grants: { skillDir, dataDir, ...manifest.permissions },
    log: env.log,
    startTimeoutMs: s.startTimeoutMs,
    maxOutputBytesPerSec: s.maxOutputBytesPerSec,
    restart: s.restart,
  };
  switch (manifest.runtime) {
    case 'in-process':
      return new InProcessRuntime(await loadSkillModule(skillDir, manifest.entry!));
    case 'http':
      return new HttpRuntime(opts);
    case 'grpc':
      return new GrpcRuntime(opts);
    case 'mcp':
      return new McpRuntime(opts);
    case 'sidecar': {
      const socket = manifest.socket!;
      const socketPath = isAbsolute(socket) ? socket : resolve(join(env.sidecarDir, socket));
      return new SidecarRuntime({ manifest, socketPath, startTimeoutMs: s.startTimeoutMs, log: env.log });
    }
  }
}
