/**
 * The in-use settings on the component's side: the camelCase args as `settings.inUse` (validated with the CLI's
 * validator). The IAM statements each source needs are built in runtime/iam/inUse.ts, which the CLI shares.
 */
import type { ResolvedArgs } from "./args";
import type { InUseArgsSettings } from "./policyConfig";

/** The in-use args, for the validator to read as `settings.inUse` (its issues then name the args); undefined ones are left out. */
export function inUseArgsSettings(a: ResolvedArgs): InUseArgsSettings {
  const settings: InUseArgsSettings = {
    inUseEcs: a.inUseEcs,
    inUseLambda: a.inUseLambda,
    inUseEks: a.inUseEks,
    inUseAppRunner: a.inUseAppRunner,
    inUseBatch: a.inUseBatch,
    ecsRevisions: a.ecsRevisions,
    inUseAccounts: a.inUseAccounts,
  };
  if (a.eksClusters !== undefined) settings.eksClusters = a.eksClusters;
  if (a.inUseRegions !== undefined) settings.inUseRegions = a.inUseRegions;
  return settings;
}
