/**
 * The least-privilege IAM policy the CLI needs for one configuration (`ecr-cleanup iam-policy`), from the same
 * statements as the component's role: listing the repositories and the in-use reads on `*` only where the action
 * takes no resource, the image reads on the governed repositories, and what `--apply` adds: deletes and archives
 * only on the repositories whose policies delete or archive. The component's role differs only in what the Lambda
 * needs besides (its logs, cursor, bucket and lock) and in how its image grants are split over managed policies.
 */
import type { Config } from "../config/schema";
import { inUseStatements } from "./inUse";
import { imageGrantParts, knownRepositoryStatement, listRepositoriesStatement } from "./repositories";
import type { AccountScope, Statement } from "./statement";

/** The statements a dry run needs: list, read the governed repositories' images, read the in-use sources. */
export function dryRunStatements(config: Config, scope: AccountScope): Statement[] {
  const { reads } = imageGrantParts(config.policies, config.settings.archive?.deleteAfterMs !== undefined);
  return [listRepositoriesStatement(), knownRepositoryStatement(scope, reads, reads.entries), ...inUseStatements({ scope, settings: config.settings })];
}

/** The statements `--apply` (and `apply PLAN`) adds to a dry run: delete and archive, each only where a policy does it. */
export function applyStatements(config: Config, scope: AccountScope): Statement[] {
  const { changes } = imageGrantParts(config.policies, config.settings.archive?.deleteAfterMs !== undefined);
  return changes.map((change) => knownRepositoryStatement(scope, change, change.entries));
}

/** The policy document for the CLI: a dry run's statements and `--apply`'s, or `--apply`'s alone. */
export function cliPolicy(config: Config, scope: AccountScope, options: { applyOnly?: boolean } = {}): { Version: "2012-10-17"; Statement: Statement[] } {
  const statements = options.applyOnly ? applyStatements(config, scope) : [...dryRunStatements(config, scope), ...applyStatements(config, scope)];
  return { Version: "2012-10-17", Statement: statements };
}
