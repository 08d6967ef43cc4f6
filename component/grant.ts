/** An IAM grant: a small function from what the component knows (the account, the policies, its resources) to IAM statements. */
import type { Settings } from "../runtime/config/schema";
import type { AccountScope, Statement } from "../runtime/iam/statement";
import type { Policy } from "../runtime/planner/types";

export type { AccountScope, Statement };

/** What the grants are built from. */
export interface GrantContext {
  scope: AccountScope;
  policies: readonly Policy[];
  settings: Settings;
  logGroupArn: string;
  /** Single-function mode: the SSM parameter holding the cursor. */
  cursorParameterArn?: string;
  /** Fan-out mode: the bucket the runs travel through. */
  fanOutBucketArn?: string;
  /** The bucket of the run lock: fan-out mode's, or single-function mode's without reserved concurrency. */
  lockBucketArn?: string;
  /** The bucket the runs' reports go to (the component's, or reportBucket). */
  reportsBucketArn?: string;
  /** The topic the runs' summaries go to; absent with notify: "never". */
  notificationTopicArn?: string;
}

export type Grant = (ctx: GrantContext) => Statement[];
