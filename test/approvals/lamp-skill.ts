/** What the approval end-to-end tests share: a static skill with one sensitive tool, and a model that calls it. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import type { ModelFake } from '../fakes/openai-server.js';
import { runCli, type LogLine } from '../harness.js';

/** A skills folder with `lamp` (in-process): `lamp_on {room}` is marked sensitive. */
export function lampSkillDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-lamp-'));
  const skill = join(dir, 'lamp');
  mkdirSync(skill);
  writeFileSync(
    join(skill, 'skill.json'),
    JSON.stringify({
      name: 'lamp',
      version: '1.0.0',
      description: 'Switches lamps',
      runtime: 'in-process',
      entry: 'index.mjs',
      tools: [
        {
          name: 'lamp_on',
          description: 'Switch a lamp on',
          sensitive: true,
          parameters: { type: 'object', properties: { room: { type: 'string' } }, required: ['room'] },
        },
      ],
    }),
  );
  writeFileSync(
    join(skill, 'index.mjs'),
    'export default { execute: ({ arguments: a }) => `lamp in the ${a.room} is on` };\n',
  );
  return dir;
}

/** The hearth.yml that offers every skill of `dir` to the default agent. */
export function lampConfig(dir: string): string {
  return ['skills:', `  dir: ${JSON.stringify(dir)}`, 'agents:', '  default:', '    skills: ["*"]', ''].join('\n');
}

/** "… lamp in the <room> …" makes the model call `lamp_on`; a tool result is echoed back. */
export function callLampOnRequest(model: ModelFake): void {
  model.setReply((body) => {
    const messages = body.messages as Array<{ role: string; content: string }>;
    const last = messages.at(-1)!;
    if (last.role === 'tool') return { text: `Tool said: ${last.content}` };
    const room = /lamp in the (\w+)/.exec(last.content)?.[1];
    return room
      ? { toolCalls: [{ name: 'lamp_on', arguments: JSON.stringify({ room }) }] }
      : { text: `You said: ${last.content}` };
  });
}

/** The tool's results the model was shown (each one a call that ran), in order: "lamp in the kitchen is on". */
export function lampResults(model: ModelFake): string[] {
  const seen = new Set<string>();
  for (const r of model.requests)
    for (const m of r.body.messages as Array<{ role: string; content: string; tool_call_id?: string }>)
      if (m.role === 'tool') seen.add(`${m.tool_call_id ?? ''}\0${m.content}`);
  return [...seen].map((k) => k.split('\0')[1]);
}

/** How many times `lamp_on` ran (the skill host's `tool call` log lines). */
export function lampRuns(logs: LogLine[]): number {
  return logs.filter((l) => l.msg === 'tool call' && l.tool === 'lamp_on').length;
}

/** One row of `hearth audit export` (the fields these tests read). */
export interface ExportedAuditRow {
  action: string;
  actor: string;
  target: string;
  result: string;
}

/** The audit log of a stopped Hearth's data folder, through `hearth audit export`. */
export async function exportedAuditRows(dataDir: string): Promise<ExportedAuditRow[]> {
  const exported = await runCli(['audit', 'export'], { env: { HEARTH_DATA_DIR: dataDir } });
  assert.equal(exported.code, 0, exported.stderr);
  return exported.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as ExportedAuditRow);
}
