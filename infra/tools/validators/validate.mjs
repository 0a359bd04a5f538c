// Validates Kubernetes manifests (multi-document YAML on stdin, e.g. `kubectl kustomize` output) against the
// API schemas bundled in the npm package kubernetes-models: types, required fields, enums, formats. It does not
// reject unknown fields (the bundled validators allow them). Custom resources (Strimzi) get structural checks
// here, since their CRD schemas are not bundled. Exit code 1 and one line per problem on failure.
import { parseAllDocuments } from "yaml";

const source = await new Promise((resolve) => {
  let text = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk) => (text += chunk));
  process.stdin.on("end", () => resolve(text));
});
const label = process.argv[2] ?? "stdin";
const problems = [];
let checked = 0;

function modelPath(apiVersion, kind) {
  // "apps/v1" -> kubernetes-models/apps/v1/<Kind>; core "v1" -> kubernetes-models/v1/<Kind>
  return `kubernetes-models/${apiVersion}/${kind}`;
}

const strimzi = {
  KafkaTopic: (doc) => {
    const spec = doc.spec ?? {};
    if (!Number.isInteger(spec.partitions) || spec.partitions < 1) return "spec.partitions must be a positive integer";
    if (!Number.isInteger(spec.replicas) || spec.replicas < 1) return "spec.replicas must be a positive integer";
    return null;
  },
  KafkaUser: (doc) => {
    const spec = doc.spec ?? {};
    if (!["scram-sha-512", "tls", "tls-external"].includes(spec.authentication?.type)) return "spec.authentication.type";
    const acls = spec.authorization?.acls;
    if (spec.authorization?.type !== "simple" || !Array.isArray(acls) || acls.length === 0) return "spec.authorization.acls";
    for (const [i, acl] of acls.entries()) {
      if (!acl.resource?.type || !Array.isArray(acl.operations) || acl.operations.length === 0) return `acls[${i}]`;
    }
    return null;
  },
};

for (const document of parseAllDocuments(source)) {
  if (document.errors.length > 0) {
    problems.push(`${label}: YAML: ${document.errors[0].message}`);
    continue;
  }
  const doc = document.toJS();
  if (doc == null) continue;
  const where = `${label}: ${doc.kind}/${doc.metadata?.name}`;
  if (!doc.apiVersion || !doc.kind || !doc.metadata?.name) {
    problems.push(`${where}: apiVersion, kind and metadata.name are required`);
    continue;
  }
  checked++;
  if (doc.apiVersion.startsWith("kafka.strimzi.io/")) {
    const check = strimzi[doc.kind];
    const problem = check ? check(doc) : `unknown Strimzi kind`;
    if (problem) problems.push(`${where}: ${problem}`);
    if (!doc.metadata.labels?.["strimzi.io/cluster"]) problems.push(`${where}: label strimzi.io/cluster is required`);
    continue;
  }
  let Model;
  try {
    Model = (await import(modelPath(doc.apiVersion, doc.kind)))[doc.kind];
  } catch {
    problems.push(`${where}: unknown apiVersion/kind ${doc.apiVersion} ${doc.kind}`);
    continue;
  }
  try {
    new Model(doc).validate();
  } catch (e) {
    problems.push(`${where}: ${e.message}`);
  }
}

for (const p of problems) console.error(`INVALID ${p}`);
console.log(`${label}: ${checked} objects checked, ${problems.length} problems`);
process.exit(problems.length === 0 && checked > 0 ? 0 : 1);
