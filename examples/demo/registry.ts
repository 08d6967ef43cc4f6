/**
 * The demo registry: `hello_world` laid out like a real release history (two years of monthly releases,
 * `prod` on an older one, `rc` and `dev` on newer ones, untagged CI builds in between), and a few other
 * repositories. Dates are relative to `now`, so the demo always looks current.
 */
import { createHash } from "node:crypto";
import type { Registry } from "../../tests/emulator/registry";

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
  // The development channel moves ahead of the release candidate.
  push("ci-recent-1", 6, [], 9);
  push("ci-recent-2", 3, ["dev"], 11);
  push("ci-recent-3", 1, [], 15);
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

export function seedDemoRegistry(registry: Registry, now: Date): void {
  seedHelloWorld(registry, now);
  seedWebFrontend(registry, now);
  seedIgnored(registry, now);
}
