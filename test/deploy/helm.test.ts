/**
 * The Helm chart, rendered by test/deploy/helm-template.ts (no helm binary here) and checked three
 * ways: every object against the Kubernetes OpenAPI schemas (kubernetes-models), the chart's rules
 * (probes, non-root, read-only root, HPA/PDB/NetworkPolicy wiring, secrets by reference, a hearth.yml
 * that Hearth's own schema accepts), and `kubectl kustomize` over the rendered files (offline).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ConfigMap, Service, ServiceAccount } from 'kubernetes-models/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { configSchema } from '../../src/core/config.js';
import { channelsFileSchema } from '../../src/channels/config.js';
import { CidrList } from '../../src/security/cidr.js';
import { clientIp } from '../../src/security/client-ip.js';
import { ChartRenderer } from './helm-template.js';
import { envNamesInSources, platformEnvNames, repoRoot } from './repo-paths.js';
import type { Json } from '../json.js';

type Obj = Record<string, Json>;
const chartDir = join(repoRoot, 'deploy/helm/hearth');
const renderer = new ChartRenderer(chartDir);

const models: Record<string, new (data: Json) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/Ingress': Ingress,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
};

function renderAll(overrides: (values: Obj) => void = () => undefined): Obj[] {
  const values = renderer.defaultValues() as Obj;
  overrides(values);
  return [...renderer.render(values).values()].flat() as Obj[];
}
const find = (objs: Obj[], kind: string, name: string) =>
  objs.find((o) => o.kind === kind && o.metadata?.name === name);
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

const objects = renderAll((v) => (v.ingress.enabled = true));

test('every rendered object validates against the Kubernetes API schema', () => {
  assert.ok(objects.length >= 11, `rendered ${objects.length} objects`);
  for (const obj of objects) {
    const Model = models[`${obj.apiVersion}/${obj.kind}`];
    assert.ok(Model, `a schema for ${obj.apiVersion} ${obj.kind}`);
    assert.doesNotThrow(() => new Model(obj).validate(), `${obj.kind}/${obj.metadata.name}`);
  }
  const names = objects.map((o) => `${o.kind}/${o.metadata.name}`);
  assert.equal(new Set(names).size, names.length, 'no duplicate objects');
});

test('gateway and engine Deployments: role, probes, security, resources, volumes', () => {
  const known = envNamesInSources();
  for (const role of ['gateway', 'engine']) {
    const dep = find(objects, 'Deployment', `hearth-${role}`);
    assert.ok(dep, role);
    const pod = dep.spec.template.spec;
    const [c] = pod.containers;
    assert.deepEqual(c.args, [role]);
    assert.equal(c.image, 'hearth:0.1.0', 'image tag defaults to the chart appVersion');
    assert.ok(matches(dep.spec.selector.matchLabels, dep.spec.template.metadata.labels));
    const port = c.ports.find((p: Obj) => p.name === 'http');
    assert.equal(port.containerPort, 8080);
    assert.equal(c.livenessProbe.httpGet.path, '/healthz');
    assert.equal(c.readinessProbe.httpGet.path, '/readyz');
    assert.equal(c.livenessProbe.httpGet.port, 'http');
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
    assert.deepEqual(c.securityContext.capabilities.drop, ['ALL']);
    assert.equal(pod.automountServiceAccountToken, false);
    assert.ok(c.resources.requests.cpu && c.resources.limits.memory, 'requests and limits');
    const volumes = new Set(pod.volumes.map((v: Obj) => v.name));
    for (const m of c.volumeMounts) assert.ok(volumes.has(m.name), `mount ${m.name} has a volume`);
    assert.ok(
      c.volumeMounts.some((m: Obj) => m.mountPath === '/tmp'),
      'writable /tmp with a read-only root',
    );
    assert.equal(pod.volumes.find((v: Obj) => v.name === 'config').configMap.name, 'hearth-config');
    const sa = find(objects, 'ServiceAccount', pod.serviceAccountName);
    assert.equal(sa?.automountServiceAccountToken, false);
    // Secrets by reference only; every variable is one Hearth reads.
    const env = new Map<string, Obj>(c.env.map((e: Obj) => [e.name, e]));
    for (const secret of ['HEARTH_API_TOKEN', 'HEARTH_MASTER_KEY', 'HEARTH_HISTORY_URL', 'HEARTH_REDIS_URL']) {
      assert.ok(env.get(secret)?.valueFrom?.secretKeyRef, `${secret} comes from a Secret`);
    }
    for (const name of env.keys())
      assert.ok(known.has(name) || platformEnvNames.has(name), `${name} is read by Hearth`);
    assert.equal(dep.spec.replicas, undefined, 'replicas left to the HPA when autoscaling');
  }
  const engine = find(objects, 'Deployment', 'hearth-engine')!.spec.template.spec.containers[0];
  assert.equal(engine.resources.requests.cpu, '2');
  assert.equal(engine.resources.requests.memory, '4Gi');
});

test("the ConfigMap holds a hearth.yml and channels.yml that Hearth's own schemas accept", () => {
  const cm = find(objects, 'ConfigMap', 'hearth-config')!;
  const config = configSchema.safeParse(parse(cm.data['hearth.yml']));
  assert.ok(config.success, JSON.stringify(config.error?.issues));
  assert.equal(config.data.bus.kind, 'redis');
  assert.equal(config.data.storage.history.kind, 'postgres');
  assert.equal(config.data.storage.sessions.kind, 'redis');
  assert.ok(channelsFileSchema.safeParse(parse(cm.data['channels.yml'])).success);
});

test('HPA (autoscaling/v2) and PodDisruptionBudget for both roles target their Deployments', () => {
  for (const role of ['gateway', 'engine']) {
    const dep = find(objects, 'Deployment', `hearth-${role}`)!;
    const hpa = find(objects, 'HorizontalPodAutoscaler', `hearth-${role}`)!;
    assert.equal(hpa.apiVersion, 'autoscaling/v2');
    assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: dep.metadata.name });
    assert.ok(hpa.spec.minReplicas >= 2 && hpa.spec.maxReplicas > hpa.spec.minReplicas);
    const pdb = find(objects, 'PodDisruptionBudget', `hearth-${role}`)!;
    assert.ok(matches(pdb.spec.selector.matchLabels, dep.spec.template.metadata.labels));
    assert.ok(
      !matches(
        pdb.spec.selector.matchLabels,
        find(objects, 'Deployment', `hearth-${role === 'gateway' ? 'engine' : 'gateway'}`)!.spec.template.metadata
          .labels,
      ),
      'each PDB covers one role',
    );
  }
  const fixed = renderAll((v) => (v.gateway.autoscaling.enabled = false));
  assert.equal(find(fixed, 'Deployment', 'hearth-gateway')!.spec.replicas, 2);
  assert.equal(find(fixed, 'HorizontalPodAutoscaler', 'hearth-gateway'), undefined);
});

test('NetworkPolicies: gateway from the ingress controller only, engine from the gateway only, egress to the backends', () => {
  const gatewayPods = find(objects, 'Deployment', 'hearth-gateway')!.spec.template.metadata.labels;
  const enginePods = find(objects, 'Deployment', 'hearth-engine')!.spec.template.metadata.labels;
  const gw = find(objects, 'NetworkPolicy', 'hearth-gateway')!;
  const en = find(objects, 'NetworkPolicy', 'hearth-engine')!;
  assert.ok(
    matches(gw.spec.podSelector.matchLabels, gatewayPods) && !matches(gw.spec.podSelector.matchLabels, enginePods),
  );
  assert.ok(
    matches(en.spec.podSelector.matchLabels, enginePods) && !matches(en.spec.podSelector.matchLabels, gatewayPods),
  );
  for (const np of [gw, en]) assert.deepEqual(np.spec.policyTypes, ['Ingress', 'Egress']);

  assert.equal(gw.spec.ingress.length, 1);
  const [gwFrom] = gw.spec.ingress[0].from;
  assert.equal(gwFrom.namespaceSelector.matchLabels['kubernetes.io/metadata.name'], 'ingress-nginx');
  assert.deepEqual(gwFrom.podSelector.matchLabels, { 'app.kubernetes.io/name': 'ingress-nginx' });

  assert.equal(en.spec.ingress.length, 1);
  const [enFrom] = en.spec.ingress[0].from;
  assert.equal(enFrom.namespaceSelector, undefined);
  assert.ok(
    matches(enFrom.podSelector.matchLabels, gatewayPods) && !matches(enFrom.podSelector.matchLabels, enginePods),
    'engine ingress admits gateway pods only',
  );

  const egressPorts = (np: Obj) => new Set(np.spec.egress.flatMap((r: Obj) => r.ports.map((p: Obj) => p.port)));
  for (const port of [53, 6379, 5432]) {
    assert.ok(egressPorts(gw).has(port), `gateway egress to ${port}`);
    assert.ok(egressPorts(en).has(port), `engine egress to ${port}`);
  }
  assert.ok(egressPorts(en).has(8080), 'engine egress to the model server');
  assert.ok(!egressPorts(gw).has(8080), 'the gateway does not call the model server');
});

test('Service and Ingress route to the gateway pods', () => {
  const svc = find(objects, 'Service', 'hearth-gateway')!;
  assert.ok(matches(svc.spec.selector, find(objects, 'Deployment', 'hearth-gateway')!.spec.template.metadata.labels));
  assert.equal(svc.spec.ports[0].targetPort, 'http');
  const ing = find(objects, 'Ingress', 'hearth')!;
  assert.equal(ing.spec.rules[0].http.paths[0].backend.service.name, svc.metadata.name);
  assert.equal(ing.metadata.annotations['nginx.ingress.kubernetes.io/proxy-buffering'], 'off', 'SSE is not buffered');
  assert.equal(find(renderAll(), 'Ingress', 'hearth'), undefined, 'the Ingress is optional (off by default)');
});

test('kubectl parses the rendered manifests offline (kubectl kustomize)', () => {
  // No skip without kubectl: .ci/run installs it (Debian's kubernetes-client), so a missing tool fails loudly.
  assert.equal(
    spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status,
    0,
    'kubectl is installed (apt-get install kubernetes-client)',
  );
  const dir = mkdtempSync(join(tmpdir(), 'hearth-helm-'));
  try {
    const files = objects.map((obj, i) => {
      const file = `${String(i).padStart(2, '0')}-${obj.kind.toLowerCase()}.yaml`;
      writeFileSync(join(dir, file), stringify(obj));
      return file;
    });
    writeFileSync(join(dir, 'kustomization.yaml'), stringify({ resources: files }));
    // kustomize builds locally and contacts no cluster; an empty kubeconfig makes sure of it.
    const r = spawnSync('kubectl', ['kustomize', dir], {
      encoding: 'utf8',
      env: { ...process.env, KUBECONFIG: '/dev/null' },
    });
    assert.equal(r.status, 0, r.stderr);
    const stdout = r.stdout;
    assert.equal(stdout.match(/^kind: /gm)?.length, objects.length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the renderer refuses templates outside its subset and unknown value paths', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-chart-'));
  try {
    const chart = (template: string) => {
      rmSync(join(dir, 'templates'), { recursive: true, force: true });
      mkdirSync(join(dir, 'templates'), { recursive: true });
      writeFileSync(join(dir, 'Chart.yaml'), 'name: t\nversion: 0.0.1\nappVersion: "1"\n');
      writeFileSync(join(dir, 'values.yaml'), 'a: {b: 1}\nlist: [x]\n');
      writeFileSync(join(dir, 'templates', 't.yaml'), template);
      const r = new ChartRenderer(dir);
      return r.render(r.defaultValues()).get('t.yaml');
    };
    assert.deepEqual(
      chart('kind: X\nv: {{ .Values.a.b }}\n{{- if .Values.list }}\nw: {{ "s" | quote }}\n{{- end }}\n'),
      [{ kind: 'X', v: 1, w: 's' }],
    );
    assert.throws(() => chart('{{ range .Values.list }}x{{ end }}'), /outside the rendered subset/);
    assert.throws(() => chart('v: {{ .Values.a.typo }}'), /no value at \.Values\.a\.typo/);
    assert.throws(() => chart('v: {{ lookup "v1" "Secret" "" "" }}'), /outside the rendered subset/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the gateway believes the ingress controller: users behind it are counted by their own address, not as one IP', () => {
  const cm = find(objects, 'ConfigMap', 'hearth-config')!;
  const config = configSchema.parse(parse(cm.data['hearth.yml']));
  const trusted = new CidrList(config.security.ipAllowlist.trustedProxies);
  // An ingress controller pod on a typical pod network, passing the user's address on.
  const behindProxy = (peer: string) =>
    clientIp({ headers: { 'x-forwarded-for': '203.0.113.7' }, socket: { remoteAddress: peer } }, trusted);
  assert.equal(behindProxy('10.244.1.17'), '203.0.113.7');
  assert.equal(behindProxy('198.51.100.9'), '198.51.100.9', 'a header from outside the cluster is not believed');
});
