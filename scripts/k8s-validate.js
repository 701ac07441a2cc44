#!/usr/bin/env node
// Offline checks of the deployment files; run by scripts/k8s-validate.sh. Usage:
//   node scripts/k8s-validate.js [deploy/k8s.yaml] [deploy/compose.yaml]
// 1. Every document of the Kubernetes file is built with its kubernetes-models class and
//    validated against the bundled OpenAPI schemas; an unknown apiVersion/kind fails.
// 2. Unknown fields, which those schemas let through, are found by walking each object
//    along the property lists of the package's type declarations (.d.ts): a misspelt
//    "readinesProbe" fails here instead of being dropped silently by the API server.
// 3. Project rules: probes, resources, security context, env wiring, names and selectors,
//    and every OIHWATCH_*/DATABASE_* variable named in README.md's configuration table.
// 4. The Compose file parses and has the services, health checks and start order.
"use strict";

const fs = require("fs");
const path = require("path");
const YAML = require("yaml");

const root = path.resolve(__dirname, "..");
const k8sFile = process.argv[2] || path.join(root, "deploy/k8s.yaml");
const composeFile = process.argv[3] || path.join(root, "deploy/compose.yaml");

let failures = 0;
const fail = (where, msg) => {
  failures++;
  console.error(`FAIL ${where}: ${msg}`);
};
const ok = (msg) => console.log(`ok   ${msg}`);
const warn = (msg) => console.log(`warn ${msg}`);

// apiVersion/kind -> kubernetes-models module. Anything else in the file is an error.
const KINDS = {
  "v1/ConfigMap": "v1/ConfigMap",
  "v1/Secret": "v1/Secret",
  "v1/Service": "v1/Service",
  "v1/Namespace": "v1/Namespace",
  "v1/ServiceAccount": "v1/ServiceAccount",
  "apps/v1/Deployment": "apps/v1/Deployment",
  "batch/v1/Job": "batch/v1/Job",
  "policy/v1/PodDisruptionBudget": "policy/v1/PodDisruptionBudget",
  "autoscaling/v2/HorizontalPodAutoscaler": "autoscaling/v2/HorizontalPodAutoscaler",
  "networking.k8s.io/v1/Ingress": "networking.k8s.io/v1/Ingress",
  "networking.k8s.io/v1/NetworkPolicy": "networking.k8s.io/v1/NetworkPolicy",
};

// ---- settings the service reads: README.md's configuration table -----------------------
function readmeSettings() {
  const text = fs.readFileSync(path.join(root, "README.md"), "utf8");
  const names = new Set();
  for (const m of text.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)) names.add(m[1]);
  return names;
}
const SETTINGS = readmeSettings();

// ---- unknown-field walker over the .d.ts property lists ---------------------------------
const modelsDir = path.dirname(require.resolve("kubernetes-models/package.json"));
const nodeModules = path.dirname(modelsDir);
const typeCache = new Map();

// Returns {props: Map(name -> type text), imports: Map(type name -> .d.ts path)} or null.
function loadType(dtsPath) {
  if (typeCache.has(dtsPath)) return typeCache.get(dtsPath);
  let info = null;
  if (fs.existsSync(dtsPath)) {
    const src = fs.readFileSync(dtsPath, "utf8");
    const imports = new Map();
    for (const m of src.matchAll(/^import \{ (\w+) \} from "([^"]+)";$/gm)) {
      const spec = m[2];
      const file = spec.startsWith(".")
        ? path.join(path.dirname(dtsPath), spec + ".d.ts")
        : path.join(nodeModules, spec + ".d.ts");
      imports.set(m[1], file);
    }
    const body = src.match(/^export interface I\w+(?: extends ([\w, ]+))? \{\n([\s\S]*?)^\}/m);
    if (body) {
      const props = new Map();
      if (body[1] && body[1].includes("TypeMeta")) {
        props.set("apiVersion", "string");
        props.set("kind", "string");
      }
      // One property per line at four spaces; a map type continues on the next lines.
      for (const m of body[2].matchAll(/^ {4}"([^"]+)"\??: (.*?);?$/gm)) props.set(m[1], m[2]);
      info = { props, imports };
    }
  }
  typeCache.set(dtsPath, info);
  return info;
}

function checkFields(value, dtsPath, where) {
  const info = loadType(dtsPath);
  if (!info || value === null || typeof value !== "object" || Array.isArray(value)) return;
  for (const [key, child] of Object.entries(value)) {
    if (!info.props.has(key)) {
      fail(where, `unknown field "${key}"`);
      continue;
    }
    let t = info.props.get(key).trim();
    let isArray = false;
    const arr = t.match(/^Array<(\w+)>$/);
    if (arr) {
      t = arr[1];
      isArray = true;
    }
    const file = info.imports.get(t);
    if (!file) continue; // primitive, union of literals, map or int-or-string
    if (isArray && Array.isArray(child)) {
      child.forEach((c, i) => checkFields(c, file, `${where}.${key}[${i}]`));
    } else if (!isArray) {
      checkFields(child, file, `${where}.${key}`);
    }
  }
}

// ---- Kubernetes documents ---------------------------------------------------------------
function loadK8s() {
  const docs = YAML.parseAllDocuments(fs.readFileSync(k8sFile, "utf8"));
  const objects = [];
  docs.forEach((doc, i) => {
    const where = `${path.relative(root, k8sFile)} document ${i + 1}`;
    if (doc.errors.length) {
      doc.errors.forEach((e) => fail(where, `YAML: ${e.message}`));
      return;
    }
    const obj = doc.toJS();
    if (obj === null || obj === undefined) return; // comment-only document
    if (typeof obj !== "object" || Array.isArray(obj)) {
      fail(where, "not a mapping");
      return;
    }
    const key = `${obj.apiVersion}/${obj.kind}`;
    const name = `${obj.kind}/${obj.metadata && obj.metadata.name}`;
    const mod = KINDS[key];
    if (!mod) {
      fail(where, `unknown or unsupported apiVersion/kind ${key}`);
      return;
    }
    const Class = require(`kubernetes-models/${mod}`)[obj.kind];
    const before = failures;
    try {
      new Class(obj).validate();
    } catch (e) {
      fail(`${where} ${name}`, `schema: ${e.message}`);
    }
    checkFields(obj, path.join(modelsDir, `${mod}.d.ts`), name);
    objects.push(obj);
    if (failures === before) ok(`${name} (${obj.apiVersion}) is valid`);
  });
  return objects;
}

const labelsMatch = (selector, labels) =>
  Object.entries(selector || {}).every(([k, v]) => labels && labels[k] === v);

function checkPodSpec(name, spec, byKind, { long }) {
  const cms = byKind("ConfigMap");
  const secrets = byKind("Secret");
  const sc = spec.securityContext || {};
  if (sc.runAsNonRoot !== true) fail(name, "pod securityContext.runAsNonRoot must be true");
  if (sc.runAsUser !== 10001) fail(name, "pod securityContext.runAsUser must be 10001 (the image's user)");
  if (!sc.seccompProfile || sc.seccompProfile.type !== "RuntimeDefault")
    fail(name, "pod seccompProfile must be RuntimeDefault");
  if (spec.enableServiceLinks !== false)
    fail(name, "enableServiceLinks must be false (no injected *_PORT/_SERVICE_HOST variables)");
  for (const c of spec.containers || []) {
    const where = `${name} container ${c.name}`;
    const csc = c.securityContext || {};
    if (csc.readOnlyRootFilesystem !== true) fail(where, "readOnlyRootFilesystem must be true");
    if (csc.allowPrivilegeEscalation !== false) fail(where, "allowPrivilegeEscalation must be false");
    if (!csc.capabilities || !(csc.capabilities.drop || []).includes("ALL"))
      fail(where, "capabilities must drop ALL");
    if (csc.runAsNonRoot === false || (csc.runAsUser !== undefined && csc.runAsUser !== 10001))
      fail(where, "container securityContext must keep the non-root user 10001");
    const res = c.resources || {};
    for (const kind of ["requests", "limits"])
      for (const r of ["cpu", "memory"])
        if (!res[kind] || res[kind][r] === undefined) fail(where, `resources.${kind}.${r} missing`);
    // Environment: ConfigMap keys and Secret keys must exist and be settings the service reads.
    for (const src of c.envFrom || []) {
      if (src.configMapRef) {
        const cm = cms.find((o) => o.metadata.name === src.configMapRef.name);
        if (!cm) fail(where, `envFrom ConfigMap ${src.configMapRef.name} is not in the file`);
      }
      if (src.secretRef && !secrets.find((o) => o.metadata.name === src.secretRef.name))
        fail(where, `envFrom Secret ${src.secretRef.name} is not in the file`);
    }
    for (const e of c.env || []) {
      if (!SETTINGS.has(e.name)) fail(where, `env ${e.name} is not a setting in README.md`);
      const ref = e.valueFrom && e.valueFrom.secretKeyRef;
      if (ref) {
        const s = secrets.find((o) => o.metadata.name === ref.name);
        const keys = s ? Object.keys({ ...(s.data || {}), ...(s.stringData || {}) }) : [];
        if (!s) fail(where, `Secret ${ref.name} is not in the file`);
        else if (!keys.includes(ref.key) && !ref.optional)
          fail(where, `Secret ${ref.name} has no key ${ref.key} (and the reference is not optional)`);
      }
    }
    const names = new Set((c.env || []).map((e) => e.name));
    for (const src of c.envFrom || []) {
      const cm = src.configMapRef && cms.find((o) => o.metadata.name === src.configMapRef.name);
      if (cm) Object.keys(cm.data || {}).forEach((k) => names.add(k));
    }
    if (!names.has("DATABASE_URL")) fail(where, "DATABASE_URL is not set");
    if (!long) continue;
    // The long-running server: probes on the named port, drain within the grace period.
    const ports = new Set((c.ports || []).map((p) => p.name).filter(Boolean));
    const probe = (p, want, what) => {
      if (!p || !p.httpGet) return fail(where, `${what} must be an httpGet probe`);
      if (p.httpGet.path !== want) fail(where, `${what} must probe ${want}, not ${p.httpGet.path}`);
      if (typeof p.httpGet.port === "string" && !ports.has(p.httpGet.port))
        fail(where, `${what} port ${p.httpGet.port} is not a named container port`);
    };
    probe(c.readinessProbe, "/readyz", "readinessProbe");
    probe(c.livenessProbe, "/healthz", "livenessProbe");
    if (c.startupProbe) probe(c.startupProbe, "/healthz", "startupProbe");
    const cm = cms.find((o) => (c.envFrom || []).some((s) => s.configMapRef && s.configMapRef.name === o.metadata.name));
    const data = (cm && cm.data) || {};
    const drain = Number(data.OIHWATCH_DRAIN_TIMEOUT || 10);
    const pre = c.lifecycle && c.lifecycle.preStop && c.lifecycle.preStop.exec;
    const preSleep = pre && pre.command[0] === "sleep" ? Number(pre.command[1]) : 0;
    const grace = spec.terminationGracePeriodSeconds === undefined ? 30 : spec.terminationGracePeriodSeconds;
    if (!(grace > drain + preSleep))
      fail(where, `terminationGracePeriodSeconds ${grace} must exceed preStop ${preSleep} s + OIHWATCH_DRAIN_TIMEOUT ${drain} s`);
    else ok(`${where}: grace ${grace} s > preStop ${preSleep} s + drain ${drain} s`);
    const listen = data.OIHWATCH_LISTEN || "";
    const port = (c.ports || []).find((p) => p.name === "http");
    if (!port || !listen.endsWith(`:${port.containerPort}`))
      fail(where, `OIHWATCH_LISTEN (${listen}) must listen on the "http" containerPort`);
    if (data.OIHWATCH_AUTO_MIGRATE !== "0")
      fail(where, "OIHWATCH_AUTO_MIGRATE must be \"0\": the Job migrates");
  }
}

function checkK8s(objects) {
  const byKind = (k) => objects.filter((o) => o.kind === k);
  for (const cm of byKind("ConfigMap")) {
    for (const [k, v] of Object.entries(cm.data || {})) {
      if (!SETTINGS.has(k)) fail(`ConfigMap/${cm.metadata.name}`, `${k} is not a setting in README.md (typo?)`);
      if (typeof v !== "string") fail(`ConfigMap/${cm.metadata.name}`, `${k} must be a string`);
    }
    const missing = [...SETTINGS].filter((s) => s.startsWith("OIHWATCH_") && !(s in (cm.data || {})));
    if (missing.length) warn(`ConfigMap/${cm.metadata.name} leaves at their defaults: ${missing.join(", ")}`);
    else ok(`ConfigMap/${cm.metadata.name} sets every OIHWATCH_* setting of README.md`);
  }
  for (const s of byKind("Secret")) {
    const keys = Object.keys({ ...(s.data || {}), ...(s.stringData || {}) });
    keys.filter((k) => !SETTINGS.has(k)).forEach((k) => fail(`Secret/${s.metadata.name}`, `${k} is not a setting`));
  }
  const deployments = byKind("Deployment");
  if (deployments.length !== 1) fail("k8s", `expected one Deployment, found ${deployments.length}`);
  for (const d of deployments) {
    const name = `Deployment/${d.metadata.name}`;
    const tpl = d.spec.template;
    if (!labelsMatch(d.spec.selector.matchLabels, tpl.metadata.labels))
      fail(name, "selector does not match the pod template labels");
    if (!(d.spec.replicas >= 2)) fail(name, "at least 2 replicas");
    checkPodSpec(name, tpl.spec, byKind, { long: true });
    ok(`${name}: probes, resources, security context and environment`);
  }
  const podLabels = deployments[0] ? deployments[0].spec.template.metadata.labels : {};
  const ports = deployments[0]
    ? new Set(deployments[0].spec.template.spec.containers.flatMap((c) => (c.ports || []).map((p) => p.name)))
    : new Set();
  for (const s of byKind("Service")) {
    const name = `Service/${s.metadata.name}`;
    if (s.metadata.name === "oihwatch")
      fail(name, 'a Service named "oihwatch" makes Kubernetes inject OIHWATCH_PORT and friends');
    if (!labelsMatch(s.spec.selector, podLabels) || !Object.keys(s.spec.selector || {}).length)
      fail(name, "selector does not select the Deployment's pods");
    for (const p of s.spec.ports || [])
      if (typeof p.targetPort === "string" && !ports.has(p.targetPort))
        fail(name, `targetPort ${p.targetPort} is not a named container port`);
    ok(`${name} selects the pods on ${(s.spec.ports || []).map((p) => `${p.port}->${p.targetPort}`).join(", ")}`);
  }
  for (const p of byKind("PodDisruptionBudget")) {
    if (!labelsMatch(p.spec.selector.matchLabels, podLabels))
      fail(`PodDisruptionBudget/${p.metadata.name}`, "selector does not select the Deployment's pods");
  }
  for (const h of byKind("HorizontalPodAutoscaler")) {
    const t = h.spec.scaleTargetRef;
    if (!deployments.find((d) => t.kind === "Deployment" && d.metadata.name === t.name))
      fail(`HorizontalPodAutoscaler/${h.metadata.name}`, `scaleTargetRef ${t.kind}/${t.name} is not in the file`);
    if (h.spec.minReplicas < 2) fail(`HorizontalPodAutoscaler/${h.metadata.name}`, "minReplicas below 2");
  }
  const jobs = byKind("Job");
  if (!jobs.length) fail("k8s", "no migration Job");
  for (const j of jobs) {
    const name = `Job/${j.metadata.name}`;
    const c = j.spec.template.spec.containers[0];
    if (JSON.stringify(c.args || c.command) !== JSON.stringify(["migrate"])) fail(name, 'must run ["migrate"]');
    if (j.spec.backoffLimit === undefined) fail(name, "backoffLimit missing");
    if (j.spec.ttlSecondsAfterFinished === undefined) fail(name, "ttlSecondsAfterFinished missing");
    checkPodSpec(name, j.spec.template.spec, byKind, { long: false });
    ok(`${name} runs oihwatch migrate`);
  }
  const images = new Set(
    objects.flatMap((o) => {
      const spec = o.spec && o.spec.template && o.spec.template.spec;
      return spec ? spec.containers.map((c) => c.image) : [];
    })
  );
  if (images.size !== 1) fail("k8s", `the Deployment and the Job must use one image, found ${[...images].join(", ")}`);
  for (const k of ["ConfigMap", "Secret", "Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler", "Job"])
    if (!byKind(k).length) fail("k8s", `no ${k}`);
}

// ---- Compose ----------------------------------------------------------------------------
function checkCompose() {
  const where = path.relative(root, composeFile);
  const doc = YAML.parseDocument(fs.readFileSync(composeFile, "utf8"), { merge: true });
  if (doc.errors.length) return doc.errors.forEach((e) => fail(where, `YAML: ${e.message}`));
  const c = doc.toJS({ maxAliasCount: 100 });
  const services = (c && c.services) || {};
  for (const s of ["db", "migrate", "app"]) if (!services[s]) fail(where, `no service "${s}"`);
  const { db, migrate, app } = services;
  if (!db || !migrate || !app) return;
  if (!/^postgres:15(\.|-|$)/.test(db.image || "")) fail(where, `db must be postgres:15, not ${db.image}`);
  if (!db.healthcheck || !db.healthcheck.test) fail(where, "db has no healthcheck");
  const vol = (db.volumes || []).map((v) => String(v).split(":")[0]);
  if (!vol.some((v) => c.volumes && v in c.volumes)) fail(where, "db does not use a named volume");
  const dep = (s, on) => (s.depends_on && s.depends_on[on] && s.depends_on[on].condition) || "";
  if (dep(migrate, "db") !== "service_healthy") fail(where, "migrate must wait for db: service_healthy");
  if (dep(app, "db") !== "service_healthy") fail(where, "app must wait for db: service_healthy");
  if (dep(app, "migrate") !== "service_completed_successfully")
    fail(where, "app must wait for migrate: service_completed_successfully");
  if (JSON.stringify(migrate.command) !== JSON.stringify(["migrate"])) fail(where, 'migrate must run ["migrate"]');
  if (app.image !== migrate.image) fail(where, "app and migrate must use the same image");
  for (const s of [migrate, app]) {
    const env = s.environment || {};
    if (Array.isArray(env)) fail(where, "environment as a mapping, please");
    for (const k of Object.keys(env)) if (!SETTINGS.has(k)) fail(where, `${k} is not a setting in README.md`);
    if (!env.DATABASE_URL) fail(where, "DATABASE_URL missing");
    if (String(s.user) !== "10001:10001" || s.read_only !== true) fail(where, "run as 10001:10001 with a read-only root");
  }
  if (String(app.environment.OIHWATCH_AUTO_MIGRATE) !== "0") fail(where, "app needs OIHWATCH_AUTO_MIGRATE=0");
  const grace = parseInt(app.stop_grace_period || "10s", 10);
  const drain = Number(app.environment.OIHWATCH_DRAIN_TIMEOUT || 10);
  if (!(grace > drain)) fail(where, `app stop_grace_period ${grace}s must exceed the drain timeout ${drain}s`);
  const missing = [...SETTINGS].filter((s) => s.startsWith("OIHWATCH_") && !(s in app.environment));
  if (missing.length) warn(`${where}: app leaves at their defaults: ${missing.join(", ")}`);
  ok(`${where}: services ${Object.keys(services).join(", ")}; db healthy -> migrate done -> app`);
}

if (!SETTINGS.has("DATABASE_URL")) fail("README.md", "no configuration table found");
checkK8s(loadK8s());
checkCompose();
if (failures) {
  console.error(`${failures} problem(s)`);
  process.exit(1);
}
console.log("all deployment files valid");
