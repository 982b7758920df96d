// deploy/k8s, offline (docs/OPERATIONS.md "Deploying" -> "Kubernetes" says what this covers):
// - `kubectl kustomize` renders deploy/k8s and deploy/k8s/demo (after demo/prepare.sh);
// - every object (and deploy/k8s/extras') validates against the Kubernetes API's OpenAPI schema (kubernetes-models: types,
//   formats, required fields, enums; not unknown fields, which the schemas allow);
// - what the manifests promise: 2 ingest replicas of role ingest, edge probes on /readyz and
//   /healthz, a grace period above drain_ms and a readiness cut-off below it, sessionAffinity
//   None, PodDisruptionBudgets and the HPA aimed at real pods, the image, every ConfigMap and
//   Secret a pod mounts present (base: but the two the operator creates);
// - every tickerd.toml in a ConfigMap passes `tickerd --check-config` with the pod's mounts
//   (config, TLS and JWT Secrets, web ConfigMap) laid out as the kubelet would.
// Environment: TICKERD_BIN, TICKERD_SOURCE_DIR, TICKERD_DEPLOY_DIR (node_modules), KUBECTL.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { requiredPath } from "../browser/lib.mjs";
import { Checks, requireFrom, run } from "./lib.mjs";

const TICKERD = requiredPath("k8s", "TICKERD_BIN");
const SOURCE = requiredPath("k8s", "TICKERD_SOURCE_DIR");
const DEPLOY_DIR = requiredPath("k8s", "TICKERD_DEPLOY_DIR");
const KUBECTL = process.env.KUBECTL || "kubectl";
const IMAGE = "localhost/tickerd:latest";
// Created by the operator before the first apply (deploy/k8s/kustomization.yaml).
const OPERATOR_SECRETS = new Set(["tickerd-tls", "tickerd-jwt"]);

const YAML = requireFrom(DEPLOY_DIR, "yaml");
const t = new Checks("k8s");

// A copy of deploy/k8s and web/ (prepare.sh writes into the demo directory).
const work = fs.mkdtempSync(path.join(os.tmpdir(), "tickerd-k8s-"));
fs.cpSync(path.join(SOURCE, "deploy", "k8s"), path.join(work, "deploy", "k8s"), {
  recursive: true,
  filter: (src) => !/[/]demo[/](web|secrets)$/.test(src),
});
fs.cpSync(path.join(SOURCE, "web"), path.join(work, "web"), { recursive: true });
run([path.join(work, "deploy/k8s/demo/prepare.sh")]);

function render(dir) {
  const r = run([KUBECTL, "kustomize", path.join(work, dir)]);
  // Only kustomize's deprecation notes may be on stderr (`bases`, kept for kubectl 1.20).
  for (const line of r.stderr.split("\n").filter(Boolean)) {
    t.ok(/Warning: 'bases' is deprecated/.test(line), `${dir}: kubectl kustomize said: ${line}`);
  }
  const objs = YAML.parseAllDocuments(r.stdout).map((d) => d.toJSON()).filter(Boolean);
  // kustomize wraps a Secret's base64 over lines; the API server's decoder skips the line
  // breaks, the schema's "byte" format does not.
  for (const s of objs.filter((o) => o.kind === "Secret")) {
    for (const k of Object.keys(s.data ?? {})) s.data[k] = s.data[k].replace(/\s+/g, "");
  }
  return objs;
}

// kubernetes-models' class for an apiVersion and kind, by its module path.
function modelOf(obj) {
  const [group, version] = obj.apiVersion.includes("/") ? obj.apiVersion.split("/") : [null, obj.apiVersion];
  const module = group ? `kubernetes-models/${group}/${version}/${obj.kind}` : `kubernetes-models/${version}/${obj.kind}`;
  try {
    return requireFrom(DEPLOY_DIR, module)[obj.kind];
  } catch {
    return null;
  }
}

const byKind = (objs, kind) => objs.filter((o) => o.kind === kind);
const named = (objs, kind, name) => objs.find((o) => o.kind === kind && o.metadata.name === name);
const matches = (selector, labels) =>
  Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v) && Object.keys(selector ?? {}).length > 0;
const workloads = (objs) => objs.filter((o) => ["Deployment", "StatefulSet"].includes(o.kind));
// A ConfigMap by its generator's name (the rendered name carries a hash suffix).
const generated = (objs, kind, name) =>
  objs.find((o) => o.kind === kind && (o.metadata.name === name || o.metadata.name.startsWith(`${name}-`)));

function checkObjects(label, objs, { complete }) {
  t.ok(objs.length > 0, `${label}: rendered nothing`);
  for (const o of objs) {
    const id = `${label}: ${o.kind}/${o.metadata?.name}`;
    const Model = modelOf(o);
    if (!t.ok(Model, `${id}: no schema for ${o.apiVersion} ${o.kind}`)) continue;
    try {
      new Model(o).validate();
      t.ok(true);
    } catch (e) {
      t.ok(false, `${id}: ${e.message}`);
    }
  }
  const configMaps = new Set(byKind(objs, "ConfigMap").map((o) => o.metadata.name));
  const secrets = new Set(byKind(objs, "Secret").map((o) => o.metadata.name));
  for (const w of workloads(objs)) {
    const id = `${label}: ${w.kind}/${w.metadata.name}`;
    const pod = w.spec.template;
    t.ok(matches(w.spec.selector.matchLabels, pod.metadata.labels), `${id}: selector does not match its pods`);
    for (const c of pod.spec.containers) {
      if (w.metadata.name !== "tickerd-redis") t.ok(c.image === IMAGE, `${id}: image ${c.image}, not ${IMAGE}`);
      t.ok(c.resources?.requests && c.securityContext?.allowPrivilegeEscalation === false, `${id}: ${c.name} lacks requests or a locked-down securityContext`);
      const mounted = new Set((c.volumeMounts ?? []).map((m) => m.name));
      for (const v of pod.spec.volumes ?? []) t.ok(mounted.has(v.name), `${id}: volume ${v.name} not mounted`);
    }
    for (const v of pod.spec.volumes ?? []) {
      if (v.configMap && !v.configMap.optional) t.ok(configMaps.has(v.configMap.name), `${id}: ConfigMap ${v.configMap.name} missing`);
      if (v.secret) {
        t.ok(secrets.has(v.secret.secretName) || (!complete && OPERATOR_SECRETS.has(v.secret.secretName)),
          `${id}: Secret ${v.secret.secretName} missing`);
      }
    }
  }
  for (const s of byKind(objs, "Service")) {
    const id = `${label}: Service/${s.metadata.name}`;
    const targets = workloads(objs).filter((w) => matches(s.spec.selector, w.spec.template.metadata.labels));
    if (!t.ok(targets.length === 1, `${id}: selects ${targets.length} workloads`)) continue;
    const ports = new Set(targets[0].spec.template.spec.containers.flatMap((c) => (c.ports ?? []).map((p) => p.name)));
    for (const p of s.spec.ports) t.ok(ports.has(p.targetPort), `${id}: targetPort ${p.targetPort} is no container port`);
  }
  for (const pdb of byKind(objs, "PodDisruptionBudget")) {
    t.ok(workloads(objs).some((w) => matches(pdb.spec.selector.matchLabels, w.spec.template.metadata.labels)),
      `${label}: PodDisruptionBudget/${pdb.metadata.name} selects no pods`);
  }
}

function checkPromises(label, objs) {
  const ingest = named(objs, "StatefulSet", "tickerd-ingest");
  const edge = named(objs, "Deployment", "tickerd-edge");
  if (!t.ok(ingest && edge, `${label}: tickerd-ingest StatefulSet or tickerd-edge Deployment missing`)) return;
  const toml = (w) => {
    const vol = w.spec.template.spec.volumes.find((v) => v.name === "config");
    return generated(objs, "ConfigMap", vol.configMap.name)?.data?.["tickerd.toml"] ?? "";
  };
  t.ok(ingest.spec.replicas === 2, `${label}: ingest replicas ${ingest.spec.replicas}, not 2`);
  t.ok(/^\s*role\s*=\s*"ingest"/m.test(toml(ingest)), `${label}: ingest config is not role = "ingest"`);
  t.ok(/^\s*role\s*=\s*"edge"/m.test(toml(edge)), `${label}: edge config is not role = "edge"`);
  const c = edge.spec.template.spec.containers[0];
  t.ok(c.readinessProbe?.httpGet?.path === "/readyz", `${label}: edge readinessProbe is not GET /readyz`);
  t.ok(c.livenessProbe?.httpGet?.path === "/healthz", `${label}: edge livenessProbe is not GET /healthz`);
  // shards = 0 would start one per CPU of the node, not of the container.
  const shards = Number(/^\s*shards\s*=\s*(\d+)/m.exec(toml(edge))?.[1] ?? 0);
  t.ok(shards > 0 && shards === Number(c.resources?.limits?.cpu), `${label}: edge shards ${shards}, CPU limit ${c.resources?.limits?.cpu}`);
  const drainMs = Number(/^\s*drain_ms\s*=\s*(\d+)/m.exec(toml(edge))?.[1] ?? 0);
  const graceMs = edge.spec.template.spec.terminationGracePeriodSeconds * 1000;
  const cutoffMs = c.readinessProbe.periodSeconds * 1000 * (c.readinessProbe.failureThreshold ?? 3);
  t.ok(drainMs > 0 && graceMs > drainMs, `${label}: terminationGracePeriodSeconds ${graceMs} ms not above drain_ms ${drainMs}`);
  t.ok(cutoffMs < drainMs, `${label}: readiness fails after ${cutoffMs} ms, not within drain_ms ${drainMs}`);
  const svc = named(objs, "Service", "tickerd-edge");
  t.ok(svc?.spec?.sessionAffinity === "None", `${label}: Service tickerd-edge sessionAffinity is not None`);
  const hpa = named(objs, "HorizontalPodAutoscaler", "tickerd-edge");
  t.ok(hpa?.spec?.scaleTargetRef?.kind === "Deployment" && hpa.spec.scaleTargetRef.name === "tickerd-edge",
    `${label}: the HPA does not scale Deployment tickerd-edge`);
  t.ok(hpa?.spec?.metrics?.[0]?.pods?.metric?.name === "tickerd_connections",
    `${label}: the HPA is not on the Pods metric tickerd_connections`);
  for (const w of [ingest, edge]) {
    t.ok(byKind(objs, "PodDisruptionBudget").some((p) => matches(p.spec.selector.matchLabels, w.spec.template.metadata.labels)),
      `${label}: no PodDisruptionBudget for ${w.metadata.name}`);
  }
}

// Lays out a pod's mounts from the rendered objects under <root> and runs --check-config on its
// tickerd.toml, with the mount paths moved under <root>.
function checkConfig(label, objs, workload, mountsFrom) {
  const root = fs.mkdtempSync(path.join(work, `pod-${workload.metadata.name}-`));
  const pod = workload.spec.template.spec;
  const c = pod.containers[0];
  for (const m of c.volumeMounts ?? []) {
    const v = pod.volumes.find((x) => x.name === m.name);
    const src = v.configMap
      ? generated(mountsFrom, "ConfigMap", v.configMap.name)
      : generated(mountsFrom, "Secret", v.secret.secretName);
    if (!src) {
      t.ok(v.configMap?.optional, `${label}: ${workload.metadata.name}: nothing to mount at ${m.mountPath}`);
      continue;
    }
    const dir = path.join(root, m.mountPath);
    fs.mkdirSync(dir, { recursive: true });
    for (const [k, val] of Object.entries(src.data ?? {})) {
      fs.writeFileSync(path.join(dir, k), v.secret ? Buffer.from(val, "base64") : val);
    }
  }
  const argv = [...c.command];
  const configPath = path.join(root, argv[argv.indexOf("--config") + 1]);
  const text = fs.readFileSync(configPath, "utf8").replaceAll('"/etc/tickerd/', `"${root}/etc/tickerd/`);
  fs.writeFileSync(configPath, text);
  t.ok(argv[0] === "tickerd" && argv.includes("--config"), `${label}: ${workload.metadata.name} does not run tickerd --config`);
  const r = run([TICKERD, "--config", configPath, "--check-config"], { allowFail: true });
  t.ok(r.status === 0 && r.stdout.includes("configuration ok"),
    `${label}: ${workload.metadata.name}: tickerd --check-config: exit ${r.status}: ${r.stdout}${r.stderr}`);
}

try {
  const base = render("deploy/k8s");
  const demo = render("deploy/k8s/demo");
  checkObjects("deploy/k8s", base, { complete: false });
  checkObjects("deploy/k8s/demo", demo, { complete: true });
  checkPromises("deploy/k8s", base);
  checkPromises("deploy/k8s/demo", demo);
  // extras/: examples applied elsewhere (the prometheus-adapter rule): the schemas only.
  for (const file of fs.readdirSync(path.join(SOURCE, "deploy/k8s/extras")).filter((f) => f.endsWith(".yaml"))) {
    const text = fs.readFileSync(path.join(SOURCE, "deploy/k8s/extras", file), "utf8");
    for (const o of YAML.parseAllDocuments(text).map((d) => d.toJSON()).filter(Boolean)) {
      const Model = modelOf(o);
      try {
        t.ok(Model, `extras/${file}: no schema for ${o.apiVersion} ${o.kind}`) && new Model(o).validate();
      } catch (e) {
        t.ok(false, `extras/${file}: ${o.kind}/${o.metadata?.name}: ${e.message}`);
      }
    }
  }
  t.ok(named(demo, "Deployment", "tickerd-sim"), "deploy/k8s/demo: no tickerd-sim Deployment");
  // Every file of the page: the ConfigMap lists them one by one, and a page missing a module breaks.
  const webMap = generated(demo, "ConfigMap", "tickerd-web")?.data ?? {};
  for (const f of fs.readdirSync(path.join(SOURCE, "web"))) {
    t.ok(webMap[f], `deploy/k8s/demo: ConfigMap tickerd-web lacks ${f}`);
  }
  const tls = generated(demo, "Secret", "tickerd-tls");
  t.ok(tls?.type === "kubernetes.io/tls", "deploy/k8s/demo: Secret tickerd-tls is not of type kubernetes.io/tls");
  // The base's pods with the demo's Secrets (the operator's would sit there), then the demo's.
  for (const w of workloads(base).filter((x) => x.metadata.name.startsWith("tickerd-") && x.metadata.name !== "tickerd-redis")) {
    checkConfig("deploy/k8s", base, w, [...base, ...byKind(demo, "Secret")]);
  }
  for (const w of workloads(demo).filter((x) => ["tickerd-ingest", "tickerd-edge"].includes(x.metadata.name))) {
    checkConfig("deploy/k8s/demo", demo, w, demo);
  }
  const kubectlVersion = run([KUBECTL, "version", "--client"]).stdout.split("\n")[0];
  console.log(`k8s: ${base.length} objects in deploy/k8s, ${demo.length} in deploy/k8s/demo (${kubectlVersion})`);
} catch (e) {
  t.ok(false, e.stack ?? String(e));
}
fs.rmSync(work, { recursive: true, force: true });
t.finish();
