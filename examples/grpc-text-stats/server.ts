/** Example gRPC skill: implements hearth.skill.v1.Skill (proto/skill.proto) through the SDK. */
import { defineSkill } from '../../sdk/index.js';
import { serveGrpc } from '../../sdk/grpc.js';

const skill = defineSkill({
  execute({ arguments: args }) {
    const text = String(args.text ?? '');
    const words = text.split(/\s+/).filter(Boolean).length;
    return `${words} words, ${[...text].length} characters (grpc skill)`;
  },
});

await serveGrpc(skill);
