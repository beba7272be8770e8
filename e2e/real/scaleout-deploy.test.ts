/**
 * deploy/ on paper (issue 9): no Docker engine or Kubernetes cluster runs here, so this checks what
 * can be checked without one — the manifest parses, its embedded dittofs.yaml is accepted by the
 * daemon's own config loader, every DITTOFS_* variable it sets is one the daemon reads, its ports
 * match the daemon's defaults and the Dockerfile, and every path the Dockerfile copies exists.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { ENV_OVERRIDES } from "../../apps/daemon/src/config/env.ts";
import { resolveConfig } from "../../apps/daemon/src/config/load.ts";
import { DEFAULT_ADAPTERS } from "../../apps/daemon/src/control/bootstrap.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const manifest = parseAllDocuments(readFileSync(join(root, "deploy/k8s/dittofs.yaml"), "utf8")).map((d) => {
  expect(d.errors).toEqual([]);
  return d.toJS() as { kind: string; metadata: { name: string }; [k: string]: unknown };
});
const dockerfile = readFileSync(join(root, "deploy/Dockerfile"), "utf8");
/** Variables the daemon reads outside ENV_OVERRIDES (config/load.ts, daemon.ts) or the AWS SDK reads. */
const OTHER_KNOWN_ENV = [
  "DITTOFS_CONFIG",
  "DITTOFS_ADMIN_PASSWORD",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
];

type Container = {
  env: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
  ports: Array<{ name: string; containerPort: number }>;
  readinessProbe: { httpGet: { path: string; port: string } };
  volumeMounts: Array<{ name: string; mountPath: string }>;
};
const find = (kind: string, name: string) => {
  const doc = manifest.find((d) => d.kind === kind && d.metadata.name === name);
  if (doc === undefined) throw new Error(`no ${kind} ${name}`);
  // biome-ignore lint/suspicious/noExplicitAny: manifest documents are untyped YAML, checked by the tests below
  return doc as Record<string, any>;
};
const deployment = find("Deployment", "dittofs");
const container = deployment.spec.template.spec.containers[0] as Container;

describe("deploy/ manifests", () => {
  it("the config in the Secret is a valid daemon config with a PostgreSQL + S3 share", () => {
    const yaml = find("Secret", "dittofs-config").stringData["dittofs.yaml"] as string;
    const [doc] = parseAllDocuments(yaml);
    const config = resolveConfig(doc!.toJS());
    expect(config.declared.metadataStores.map((s) => s.type)).toEqual(["postgres"]);
    expect(config.declared.blockStores.map((s) => s.type)).toEqual(["s3"]);
    const share = config.declared.shares[0]!;
    expect([share.metadataStore, share.blockStore]).toEqual([
      config.declared.metadataStores[0]!.name,
      config.declared.blockStores[0]!.name,
    ]);
    expect(config.dataDir).toBe(container.volumeMounts.find((m) => m.name === "data")!.mountPath);
    expect(container.env.find((e) => e.name === "DITTOFS_CONFIG")!.value).toBe(
      `${container.volumeMounts.find((m) => m.name === "config")!.mountPath}/dittofs.yaml`,
    );
  });

  it("sets only variables the daemon reads, secrets from Secrets that exist", () => {
    const known = new Set([...ENV_OVERRIDES.map((o) => o.variable), ...OTHER_KNOWN_ENV]);
    for (const e of container.env) expect(known, e.name).toContain(e.name);
    for (const name of ["DITTOFS_DATABASE_URL", "DITTOFS_ADMIN_PASSWORD", "AWS_SECRET_ACCESS_KEY"]) {
      const ref = container.env.find((e) => e.name === name)?.valueFrom?.secretKeyRef;
      expect(ref, name).toBeDefined();
      expect(find("Secret", ref!.name).stringData).toHaveProperty([ref!.key]);
    }
  });

  it("3 replicas, readiness on /health/ready, ports = daemon defaults = Dockerfile = Service", () => {
    expect(deployment.spec.replicas).toBe(3);
    expect(container.readinessProbe.httpGet).toEqual({ path: "/health/ready", port: "api" });
    const ports = Object.fromEntries(container.ports.map((p) => [p.name, p.containerPort]));
    for (const a of DEFAULT_ADAPTERS) expect(ports[a.type]).toBe(a.port);
    const listen = container.env.find((e) => e.name === "DITTOFS_HTTP_LISTEN")!.value!;
    expect(Number(listen.split(":").at(-1))).toBe(ports.api);
    const exposed = /^EXPOSE (.+)$/m.exec(dockerfile)![1]!.split(/\s+/).map(Number);
    expect(exposed.sort()).toEqual(Object.values(ports).sort());
    const service = find("Service", "dittofs");
    expect(service.spec.ports.map((p: { targetPort: string }) => p.targetPort).sort()).toEqual(
      Object.keys(ports).sort(),
    );
    expect(deployment.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
  });

  it("the Dockerfile copies paths that exist, runs npm ci, a non-root user and dfs start", () => {
    for (const m of dockerfile.matchAll(/^COPY (?!--from)(.+) (\S+)$/gm)) {
      for (const src of m[1]!.split(/\s+/)) expect(existsSync(join(root, src)), src).toBe(true);
    }
    expect(dockerfile).toMatch(/^RUN npm ci /m);
    expect(dockerfile).toMatch(/^USER 10001:10001$/m);
    expect(dockerfile).toMatch(/^VOLUME \["\/var\/lib\/dittofs"\]$/m);
    expect(existsSync(join(root, /^ENTRYPOINT \["node", "([^"]+)"\]$/m.exec(dockerfile)![1]!))).toBe(true);
    expect(dockerfile).toMatch(/^CMD \["start"\]$/m);
  });
});
