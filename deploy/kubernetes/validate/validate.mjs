// Validates Fusion's Kubernetes manifests offline: every document of every kustomization against the
// Kubernetes and KEDA schemas (kubernetes-models, @kubernetes-models/keda), fields the schemas do not
// know (a typo such as `replica:`), and what the schemas cannot see: selectors that match no pod,
// probes on a port the container does not name, ScaledObjects aimed at no workload.
//
//   node validate.mjs                 the kustomizations of deploy/kubernetes (the default and with-simulator),
//                                     and the Grafana dashboard's queries (deploy/grafana/dashboards)
//   node validate.mjs DIR...          other kustomization directories
//   node validate.mjs --self-check    proves the checks bite: each deliberately broken copy must fail
//
// Kustomize itself is not needed: resources are followed and JSON6902 patches applied here (the subset the
// manifests use: add, replace and remove).
import { readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

const here = dirname(fileURLToPath(import.meta.url));
const kubernetesDir = resolve(here, "..");
const DEFAULT_ROOTS = [kubernetesDir, join(kubernetesDir, "with-simulator")];

const KUSTOMIZATION_KEYS = new Set(["apiVersion", "kind", "namespace", "resources", "images", "patches"]);

// ---------------------------------------------------------------------------------------------------
// Loading: a kustomization's resources (files and directories, recursively) with its patches applied.

function readYaml(file) {
  const docs = parseAllDocuments(readFileSync(file, "utf8"));
  const out = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      throw new Error(`${rel(file)}: not valid YAML: ${doc.errors[0].message}`);
    }
    const value = doc.toJS();
    if (value !== null && value !== undefined) {
      out.push(value);
    }
  }
  return out;
}

function rel(file) {
  return relative(kubernetesDir, file) || ".";
}

/** The resources of the kustomization in dir: [{source, obj}], each with the kustomization's namespace. */
export function loadKustomization(dir, errors) {
  const file = join(dir, "kustomization.yaml");
  const [k] = readYaml(file);
  for (const key of Object.keys(k)) {
    if (!KUSTOMIZATION_KEYS.has(key)) {
      errors.push(`${rel(file)}: unknown key '${key}' (this validator knows ${[...KUSTOMIZATION_KEYS].join(", ")})`);
    }
  }
  if (k.apiVersion !== "kustomize.config.k8s.io/v1beta1" || k.kind !== "Kustomization") {
    errors.push(`${rel(file)}: apiVersion/kind must be kustomize.config.k8s.io/v1beta1 Kustomization`);
  }
  const resources = [];
  for (const entry of k.resources ?? []) {
    const path = resolve(dir, entry);
    let stat;
    try {
      stat = statSync(path);
    } catch {
      errors.push(`${rel(file)}: resource '${entry}' does not exist`);
      continue;
    }
    if (stat.isDirectory()) {
      resources.push(...loadKustomization(path, errors));
    } else {
      readYaml(path).forEach((obj, i) => resources.push({ source: `${rel(path)}#${i + 1}`, obj }));
    }
  }
  if (k.namespace) {
    for (const r of resources) {
      if (r.obj.kind !== "Namespace") {
        r.obj.metadata = { ...r.obj.metadata, namespace: k.namespace };
      }
    }
  }
  for (const patch of k.patches ?? []) {
    const targets = resources.filter((r) => r.obj.kind === patch.target?.kind && r.obj.metadata?.name === patch.target?.name);
    if (targets.length === 0) {
      errors.push(`${rel(file)}: patch target ${patch.target?.kind}/${patch.target?.name} matches no resource`);
      continue;
    }
    const ops = parseAllDocuments(patch.patch ?? "")[0]?.toJS() ?? [];
    for (const t of targets) {
      for (const op of ops) {
        applyOp(t.obj, op, `${rel(file)}: patch of ${patch.target.kind}/${patch.target.name}`, errors);
      }
    }
  }
  return resources;
}

function applyOp(obj, op, where, errors) {
  const parts = String(op.path).split("/").slice(1).map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  const last = parts.pop();
  let node = obj;
  for (const p of parts) {
    node = node?.[p];
  }
  if (node === null || typeof node !== "object") {
    errors.push(`${where}: path ${op.path} does not exist`);
  } else if (op.op === "add" || op.op === "replace") {
    node[last] = op.value;
  } else if (op.op === "remove") {
    delete node[last];
  } else {
    errors.push(`${where}: unsupported op '${op.op}'`);
  }
}

// ---------------------------------------------------------------------------------------------------
// Schema validation, with fields the schema never looked at reported as unknown.

async function modelClass(apiVersion, kind) {
  const module = apiVersion.startsWith("keda.sh/")
    ? `@kubernetes-models/keda/${apiVersion}`
    : `kubernetes-models/${apiVersion}`;
  let exports;
  try {
    exports = await import(module);
  } catch {
    return null;
  }
  return exports[kind] ?? null;
}

/**
 * The compiled schema validators read every property they know by name and enumerate the keys of maps
 * (labels, ConfigMap data, KEDA trigger metadata). So a key of an object that was read as a record but
 * never by name is one the schema does not have: exactly what `kubectl apply --validate=strict` refuses.
 */
function tracked(value, path, seen, proxies = new WeakMap()) {
  if (value === null || typeof value !== "object") {
    return value;
  }
  // One proxy (and one record of reads) per object, however often the validator reaches it.
  if (proxies.has(value)) {
    return proxies.get(value);
  }
  const entry = { value, path, read: new Set(), enumerated: false };
  seen.push(entry);
  const proxy = new Proxy(value, {
    get(target, key, receiver) {
      if (typeof key === "string") {
        entry.read.add(key);
      }
      const v = Reflect.get(target, key, receiver);
      return typeof key === "string" && Object.hasOwn(target, key) ? tracked(v, `${path}/${key}`, seen, proxies) : v;
    },
    has(target, key) {
      if (typeof key === "string") {
        entry.read.add(key);
      }
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      entry.enumerated = true;
      return Reflect.ownKeys(target);
    },
  });
  proxies.set(value, proxy);
  return proxy;
}

async function validateSchema({ source, obj }, errors) {
  if (!obj || typeof obj !== "object" || !obj.apiVersion || !obj.kind) {
    errors.push(`${source}: not a Kubernetes object (no apiVersion/kind)`);
    return;
  }
  const Model = await modelClass(obj.apiVersion, obj.kind);
  if (!Model) {
    errors.push(`${source}: unknown apiVersion/kind ${obj.apiVersion} ${obj.kind}`);
    return;
  }
  const name = `${source} ${obj.kind}/${obj.metadata?.name}`;
  const seen = [];
  const data = tracked(structuredClone(obj), "", seen);
  // A model's validate() checks `this`: give it the tracked copy.
  let schemaErrors = [];
  try {
    Model.prototype.validate.call(data);
  } catch (e) {
    schemaErrors = String(e.message).split(", data").map((m, i) => (i === 0 ? m : `data${m}`));
  }
  for (const message of schemaErrors) {
    errors.push(`${name}: ${message}`);
  }
  if (schemaErrors.length === 0) {
    for (const entry of seen) {
      if (entry.enumerated || Array.isArray(entry.value)) {
        continue;
      }
      for (const key of Object.keys(entry.value)) {
        if (!entry.read.has(key)) {
          errors.push(`${name}: unknown field ${entry.path}/${key}`);
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// What the schemas cannot see.

const WORKLOADS = new Set(["Deployment", "StatefulSet"]);

function matches(selector, labels) {
  return Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);
}

function crossCheck(resources, errors) {
  const objs = resources.map((r) => r.obj);
  const workloads = objs.filter((o) => WORKLOADS.has(o.kind));
  const podLabels = workloads.map((w) => w.spec?.template?.metadata?.labels ?? {});
  const names = new Map();
  for (const o of objs) {
    const id = `${o.kind}/${o.metadata?.namespace ?? ""}/${o.metadata?.name}`;
    if (names.has(id)) {
      errors.push(`${o.kind}/${o.metadata?.name} is defined twice`);
    }
    names.set(id, true);
  }
  for (const w of workloads) {
    const id = `${w.kind}/${w.metadata?.name}`;
    if (!matches(w.spec?.selector?.matchLabels, w.spec?.template?.metadata?.labels)) {
      errors.push(`${id}: spec.selector.matchLabels does not match its pod template's labels`);
    }
    for (const c of w.spec?.template?.spec?.containers ?? []) {
      const ports = new Set((c.ports ?? []).map((p) => p.name));
      for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"]) {
        const port = c[probe]?.httpGet?.port;
        if (typeof port === "string" && !ports.has(port)) {
          errors.push(`${id}: container ${c.name}: ${probe} uses port '${port}', which the container does not name`);
        }
      }
      if (!c.livenessProbe || !c.readinessProbe) {
        errors.push(`${id}: container ${c.name} needs a livenessProbe and a readinessProbe`);
      }
      if (!c.resources?.requests || !c.resources?.limits) {
        errors.push(`${id}: container ${c.name} needs resource requests and limits`);
      }
    }
    if (w.kind === "StatefulSet") {
      const service = objs.find((o) => o.kind === "Service" && o.metadata?.name === w.spec?.serviceName);
      if (!service) {
        errors.push(`${id}: serviceName '${w.spec?.serviceName}' names no Service`);
      }
    }
  }
  for (const o of objs) {
    const id = `${o.kind}/${o.metadata?.name}`;
    if (o.kind === "Service" && !podLabels.some((l) => matches(o.spec?.selector, l))) {
      errors.push(`${id}: selector ${JSON.stringify(o.spec?.selector)} matches no pod template`);
    }
    if (o.kind === "PodDisruptionBudget" && !podLabels.some((l) => matches(o.spec?.selector?.matchLabels, l))) {
      errors.push(`${id}: selector matches no pod template`);
    }
    if (o.kind === "ScaledObject") {
      const ref = o.spec?.scaleTargetRef ?? {};
      const kind = ref.kind ?? "Deployment";
      const target = workloads.find((w) => w.kind === kind && w.metadata?.name === ref.name);
      if (!target) {
        errors.push(`${id}: scaleTargetRef ${kind}/${ref.name} names no workload here`);
      } else if (target.spec?.replicas !== undefined) {
        errors.push(`${id}: its target ${kind}/${ref.name} sets spec.replicas, which would fight the autoscaler`);
      }
      for (const t of o.spec?.triggers ?? []) {
        if (t.type !== "kafka") {
          continue;
        }
        const m = t.metadata ?? {};
        for (const key of ["consumerGroup", "topic", "lagThreshold"]) {
          if (!m[key]) {
            errors.push(`${id}: kafka trigger without ${key}`);
          }
        }
        if (!m.bootstrapServers && !m.bootstrapServersFromEnv) {
          errors.push(`${id}: kafka trigger without bootstrapServers or bootstrapServersFromEnv`);
        }
      }
    }
  }
}

/** Every problem of the kustomization in dir, as messages; [] when it is valid. */
export async function problems(dir) {
  const errors = [];
  let resources;
  try {
    resources = loadKustomization(dir, errors);
  } catch (e) {
    return [e.message];
  }
  return problemsOf(resources, errors);
}

async function problemsOf(resources, errors = []) {
  for (const r of resources) {
    await validateSchema(r, errors);
  }
  crossCheck(resources, errors);
  return errors;
}

// ---------------------------------------------------------------------------------------------------
// The Grafana dashboard: every query names only metrics of the contract (issue 18: Fusion's own, and
// Micrometer's JVM, process and Kafka client metrics), so a misspelt metric is caught here rather than as
// an empty panel; and every panel has a query, a place and no overlap.

const dashboardsDir = resolve(kubernetesDir, "..", "grafana", "dashboards");
const FUSION_METRICS = new Set(["fusion_jobs_accepted_total", "fusion_jobs_finished_total", "fusion_job_duration_seconds",
  "fusion_stage_duration_seconds", "fusion_model_calls_total", "fusion_model_call_duration_seconds",
  "fusion_model_retries_total", "fusion_model_tokens_total", "fusion_model_cost_usd_total", "fusion_worker_in_flight",
  "fusion_gateway_queue_depth", "fusion_batch_lines_total"]);
const HISTOGRAMS = new Set(["fusion_job_duration_seconds", "fusion_stage_duration_seconds", "fusion_model_call_duration_seconds"]);
const OTHER_PREFIXES = ["jvm_", "process_", "system_", "kafka_consumer_", "kafka_producer_", "kafka_stream_"];
const PROMQL_WORDS = new Set(["sum", "max", "min", "avg", "by", "without", "rate", "increase", "irate", "histogram_quantile",
  "on", "ignoring", "group_left", "group_right", "le", "up", "and", "or", "unless", "count", "topk", "bottomk", "offset"]);

export function dashboardProblems(dashboard, where) {
  const errors = [];
  const boxes = [];
  for (const panel of dashboard.panels ?? []) {
    const id = `${where} panel "${panel.title}"`;
    const g = panel.gridPos;
    if (!g || [g.h, g.w, g.x, g.y].some((v) => !Number.isInteger(v)) || g.x + g.w > 24) {
      errors.push(`${id}: gridPos missing or wider than 24`);
    } else {
      for (const other of boxes) {
        if (g.x < other.g.x + other.g.w && other.g.x < g.x + g.w && g.y < other.g.y + other.g.h && other.g.y < g.y + g.h) {
          errors.push(`${id}: overlaps panel "${other.title}"`);
        }
      }
      boxes.push({ g, title: panel.title });
    }
    if (panel.type === "row") {
      continue;
    }
    if (!panel.targets?.length) {
      errors.push(`${id}: no query`);
    }
    for (const t of panel.targets ?? []) {
      // Label names sit in matchers ({...}) and grouping lists (by (...), on (...)): drop them, and strings
      // and ranges; every identifier left is a metric or a PromQL word.
      const expr = String(t.expr ?? "")
        .replace(/"[^"]*"/g, "")
        .replace(/\{[^}]*\}/g, "")
        .replace(/\[[^\]]*\]/g, "")
        .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "$1");
      for (const word of expr.match(/[a-zA-Z_][a-zA-Z0-9_]*/g) ?? []) {
        const base = word.replace(/_(bucket|sum|count)$/, "");
        const known = FUSION_METRICS.has(word) || (HISTOGRAMS.has(base) && base !== word)
          || OTHER_PREFIXES.some((p) => word.startsWith(p)) || PROMQL_WORDS.has(word);
        if (!known) {
          errors.push(`${id}: '${word}' is not a metric of the contract (a typo?) in ${t.expr}`);
        } else if (HISTOGRAMS.has(word)) {
          errors.push(`${id}: histogram ${word} queried without _bucket, _sum or _count`);
        }
      }
    }
  }
  return errors;
}

function dashboardFiles() {
  return ["fusion.json"].map((f) => join(dashboardsDir, f));
}

// ---------------------------------------------------------------------------------------------------
// Self-check: the real manifests pass, and every deliberately broken copy fails with the expected message.

const BREAKAGES = [
  ["a misspelt field", (rs) => { find(rs, "Deployment", "panel-worker").spec.replica = 3; }, "unknown field /spec/replica"],
  ["a field of the wrong type", (rs) => { find(rs, "StatefulSet", "judge-worker").spec.replicas = "three"; },
    "spec/replicas must be integer"],
  ["a container without a name", (rs) => { delete find(rs, "Deployment", "ingress").spec.template.spec.containers[0].name; },
    "must have required property name"],
  ["a misspelt probe field", (rs) => {
    const c = find(rs, "Deployment", "synthesizer").spec.template.spec.containers[0];
    c.readinessProbe.httpGet.paht = c.readinessProbe.httpGet.path;
  }, "unknown field /spec/template/spec/containers/0/readinessProbe/httpGet/paht"],
  ["a probe on a port nobody names", (rs) => {
    find(rs, "StatefulSet", "judge-worker").spec.template.spec.containers[0].livenessProbe.httpGet.port = "managment";
  }, "livenessProbe uses port 'managment'"],
  ["a Service selecting no pod", (rs) => { find(rs, "Service", "ingress").spec.selector["app.kubernetes.io/name"] = "ingres"; },
    "matches no pod template"],
  ["a ScaledObject aimed at nothing", (rs) => { find(rs, "ScaledObject", "synthesizer").spec.scaleTargetRef.name = "synth"; },
    "names no workload here"],
  ["a KEDA trigger threshold as a number", (rs) => {
    find(rs, "ScaledObject", "panel-worker").spec.triggers[0].metadata.lagThreshold = 1000;
  }, "lagThreshold must be string"],
  ["a ScaledObject without triggers", (rs) => { delete find(rs, "ScaledObject", "panel-worker").spec.triggers; },
    "must have required property triggers"],
  ["a PodDisruptionBudget field misspelt", (rs) => { find(rs, "PodDisruptionBudget", "judge-worker").spec.maxUnavailble = 1; },
    "unknown field /spec/maxUnavailble"],
  ["an unknown kind", (rs) => { find(rs, "Service", "synthesizer").kind = "Servce"; }, "unknown apiVersion/kind v1 Servce"],
];

function find(resources, kind, name) {
  const r = resources.find((x) => x.obj.kind === kind && x.obj.metadata?.name === name);
  if (!r) {
    throw new Error(`self-check: ${kind}/${name} is not among the manifests`);
  }
  return r.obj;
}

async function selfCheck() {
  let failures = 0;
  const loadErrors = [];
  const pristine = loadKustomization(kubernetesDir, loadErrors);
  const clean = await problemsOf(pristine.map((r) => ({ ...r, obj: structuredClone(r.obj) })), [...loadErrors]);
  if (clean.length > 0) {
    console.log(`self-check FAIL: the unbroken manifests have problems:\n  ${clean.join("\n  ")}`);
    failures++;
  }
  for (const [what, breakIt, expected] of BREAKAGES) {
    const copy = pristine.map((r) => ({ ...r, obj: structuredClone(r.obj) }));
    breakIt(copy);
    const found = await problemsOf(copy);
    if (found.some((m) => m.includes(expected))) {
      console.log(`self-check ok: ${what} is refused ("${expected}")`);
    } else {
      console.log(`self-check FAIL: ${what} was not refused with "${expected}"; got: ${JSON.stringify(found)}`);
      failures++;
    }
  }
  const dashboard = JSON.parse(readFileSync(dashboardFiles()[0], "utf8"));
  const typo = structuredClone(dashboard);
  typo.panels.find((p) => p.targets?.length).targets[0].expr = "sum by (stage) (fusion_jobs_finsihed_total)";
  const cleanDashboard = dashboardProblems(dashboard, "dashboard");
  const typoFound = dashboardProblems(typo, "dashboard").some((m) => m.includes("'fusion_jobs_finsihed_total' is not a metric"));
  if (cleanDashboard.length > 0 || !typoFound) {
    console.log(`self-check FAIL: dashboard check: clean ${JSON.stringify(cleanDashboard)}, typo found ${typoFound}`);
    failures++;
  } else {
    console.log("self-check ok: a misspelt metric in the dashboard is refused");
  }
  const badYaml = [];
  try {
    parseAllDocuments("a: [1, 2\n").forEach((d) => d.errors.forEach((e) => badYaml.push(e.message)));
  } catch (e) {
    badYaml.push(e.message);
  }
  if (badYaml.length === 0) {
    console.log("self-check FAIL: broken YAML was parsed");
    failures++;
  }
  const total = BREAKAGES.length + 3;
  console.log(`${total - failures} passed, ${failures} failed`);
  return failures === 0;
}

async function main(args) {
  if (args[0] === "--self-check") {
    return (await selfCheck()) ? 0 : 1;
  }
  const roots = args.length > 0 ? args.map((a) => resolve(a)) : DEFAULT_ROOTS;
  let bad = 0;
  for (const root of roots) {
    const errors = await problems(root);
    if (errors.length > 0) {
      bad++;
      console.log(`${rel(root)}: INVALID\n  ${errors.join("\n  ")}`);
    } else {
      console.log(`${rel(root)}: valid (Kubernetes and KEDA schemas, no unknown fields, selectors, probes, scale targets)`);
    }
  }
  if (args.length === 0) {
    for (const file of dashboardFiles()) {
      const errors = dashboardProblems(JSON.parse(readFileSync(file, "utf8")), relative(kubernetesDir, file));
      if (errors.length > 0) {
        bad++;
        console.log(`${relative(kubernetesDir, file)}: INVALID\n  ${errors.join("\n  ")}`);
      } else {
        console.log(`${relative(kubernetesDir, file)}: valid (metrics of the contract, panel layout)`);
      }
    }
  }
  return bad === 0 ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
