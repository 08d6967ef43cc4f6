/**
 * The demo registry: `hello_world` laid out like a real release history (two years of monthly releases,
 * `prod` on an older one, `rc` and `dev` on newer ones, `latest` on the newest as `docker push` leaves it,
 * untagged CI builds in between); `payments-api`,
 * with multi-arch builds, a signed release, and old images that ECS and Lambda still run; and a few other
 * repositories. Dates are relative to `now`, so the demo always looks current.
 */
import { createHash } from "node:crypto";
import type { Registry } from "../../tests/emulator/registry";
import type { EcrEmulator } from "../../tests/emulator/server";

const DAY = 86_400_000;
const MiB = 1024 * 1024;

/** Stable, varied sizes, so the bytes-freed figures look like a real registry's. */
function sizeFor(seed: string): number {
  const n = createHash("sha256").update(seed).digest().readUInt16BE(0);
  return (60 + (n % 90)) * MiB;
}

function daysAgo(now: Date, days: number, hour = 10): Date {
  const at = new Date(now.getTime() - days * DAY);
  at.setUTCHours(hour, 0, 0, 0);
  return at;
}

function seedHelloWorld(registry: Registry, now: Date): void {
  registry.createRepository("hello_world");
  const push = (seed: string, days: number, tags: string[] = [], hour = 10) =>
    registry.putImage("hello_world", { manifest: undefined, tags, pushedAt: daysAgo(now, days, hour), sizeBytes: sizeFor(seed) });
  // 24 monthly releases, v1.0.0 two years ago to v2.11.0 a month ago, each followed by two CI builds.
  for (let i = 0; i < 24; i++) {
    const days = 720 - i * 30;
    const version = `v${1 + Math.floor(i / 12)}.${i % 12}.0`;
    const tags = [version];
    if (version === "v2.6.0") tags.push("prod");
    if (version === "v2.11.0") tags.push("rc");
    push(version, days, tags);
    push(`${version}-ci-1`, days - 10, [], 14);
    push(`${version}-ci-2`, days - 20, [], 16);
  }
  // The development channel moves ahead of the release candidate; the newest push carries `latest`, as
  // `docker push` without a tag leaves it.
  push("ci-recent-1", 6, [], 9);
  push("ci-recent-2", 3, ["dev"], 11);
  push("ci-recent-3", 1, ["latest"], 15);
}

function seedWebFrontend(registry: Registry, now: Date): void {
  registry.createRepository("web-frontend");
  // A build a day for a month; `latest` on the newest, and one build kept by hand with a tag.
  for (let day = 30; day >= 1; day--) {
    const tags = day === 1 ? ["latest"] : day === 21 ? ["hotfix-2041"] : [];
    registry.putImage("web-frontend", { tags, pushedAt: daysAgo(now, day), sizeBytes: sizeFor(`web-${day}`) });
  }
}

function seedIgnored(registry: Registry, now: Date): void {
  registry.createRepository("some_ignored_repository");
  for (let day = 400; day >= 300; day -= 20) {
    registry.putImage("some_ignored_repository", { pushedAt: daysAgo(now, day), sizeBytes: sizeFor(`ignored-${day}`) });
  }
}

/** An image index with an amd64 and an arm64 manifest, pushed `days` ago. */
function multiArch(registry: Registry, repository: string, now: Date, days: number, tags: string[] = []): string {
  const children = ["amd64", "arm64"].map(
    (arch) => registry.putImage(repository, { pushedAt: daysAgo(now, days), sizeBytes: sizeFor(`${repository}-${days}-${arch}`) }).digest,
  );
  return registry.putImage(repository, { tags, pushedAt: daysAgo(now, days), children }).digest;
}

function seedPaymentsApi(emulator: EcrEmulator, now: Date): void {
  const registry = emulator.registry;
  registry.createRepository("payments-api");
  const uri = registry.repository("payments-api")!.uri;
  // Nightly multi-arch builds for ten days: the old ones go with their platform manifests.
  for (let day = 10; day >= 1; day--) multiArch(registry, "payments-api", now, day);
  // A signed release: a tagged index keeps its platform manifests and its cosign signature.
  const release = multiArch(registry, "payments-api", now, 30, ["v3.2.0"]);
  registry.putImage("payments-api", { tags: [`${release.replace(":", "-")}.sig`], pushedAt: daysAgo(now, 30), sizeBytes: 1024 });
  // Old untagged builds that workloads still run: ECS pinned one at deployment, a Lambda version uses another.
  const pinned = registry.putImage("payments-api", { pushedAt: daysAgo(now, 45), sizeBytes: sizeFor("pinned") }).digest;
  const lambdaImage = registry.putImage("payments-api", { pushedAt: daysAgo(now, 60), sizeBytes: sizeFor("lambda") }).digest;
  emulator.ecs.createCluster("production");
  const definition = emulator.ecs.registerTaskDefinition("payments", [{ name: "api", image: `${uri}@${pinned}` }]);
  emulator.ecs.createService("production", { name: "payments", taskDefinition: definition });
  emulator.ecs.runTask("production", { taskDefinitionArn: definition });
  emulator.lambda.createFunction({ name: "payments-reconcile", packageType: "Image", imageUri: `${uri}@${lambdaImage}` });
}

export function seedDemoRegistry(emulator: EcrEmulator, now: Date): void {
  seedHelloWorld(emulator.registry, now);
  seedWebFrontend(emulator.registry, now);
  seedPaymentsApi(emulator, now);
  seedIgnored(emulator.registry, now);
}
