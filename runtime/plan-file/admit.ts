/**
 * The checks that a plan may be applied at all, before anything is planned again: its age, its `now`, its policies
 * (with `--config`), its registry. Each returns the reason for refusing, or undefined. Pure.
 */
import type { PlanFile } from "./format";

export const DEFAULT_MAX_AGE_MS = 24 * 3_600_000;

function span(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h` : `${Math.floor(hours / 24)} days`;
}

export interface Admission {
  clock: Date;
  maxAgeMs: number;
  /** As given to --max-age, for the message. */
  maxAgeText: string;
  /** Of the --config file, when one was given. */
  configFingerprint?: string;
  configSource?: string;
}

export function timeOrConfigRefusal(plan: PlanFile, admission: Admission): string | undefined {
  const clock = admission.clock.getTime();
  const createdAt = Date.parse(plan.createdAt);
  const now = Date.parse(plan.now);
  if (createdAt > clock) return `it was made at ${plan.createdAt}, later than the clock (${admission.clock.toISOString()}): check the clocks`;
  if (clock - createdAt > admission.maxAgeMs) {
    return `it was made at ${plan.createdAt}, ${span(clock - createdAt)} ago, longer ago than --max-age ${admission.maxAgeText}: make a new plan`;
  }
  if (now > clock) return `its now (${plan.now}) is later than the clock (${admission.clock.toISOString()}): that would delete images still inside their protected window`;
  if (admission.configFingerprint !== undefined && admission.configFingerprint !== plan.config.fingerprint) {
    return `its policies and settings (fingerprint ${plan.config.fingerprint.slice(0, 12)}…, from ${plan.config.source}) are not those of ${admission.configSource} (fingerprint ${admission.configFingerprint.slice(0, 12)}…)`;
  }
  return undefined;
}

/** `region`: the credentials' region, known before any call; `account`: the registry's, once its repositories are listed. */
export function registryRefusal(plan: PlanFile, registry: { region?: string; account?: string }): string | undefined {
  if (registry.region !== undefined && registry.region !== plan.registry.region) {
    return `it is for region ${plan.registry.region}, and the AWS configuration names region ${registry.region} (pass --region ${plan.registry.region}, or use the plan made for ${registry.region})`;
  }
  if (registry.account !== undefined && registry.account !== plan.registry.account) {
    return `it is for account ${plan.registry.account}, and these credentials list the registry of account ${registry.account}`;
  }
  return undefined;
}
