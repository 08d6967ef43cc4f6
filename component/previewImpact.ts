/**
 * `previewImpact: true`: while `pulumi preview` runs (and the preview that `pulumi up` starts with), the component
 * runs the engine read-only in the program's process, for its new policies and for the policies the deployed
 * function holds (read from the function's configuration; none before the first deployment), and reports per
 * repository as info diagnostics on the component. It uses the AWS credentials of the program's environment, after
 * checking with STS that they belong to the provider's account (and that the environment names no other region):
 * on a mismatch it warns and reports no numbers. A policy change that takes a repository past its maxDeletions fails
 * the preview (an unhandled ResourceError, which is how Pulumi fails a program: the engine reports it on the
 * component). Nothing it computes flows into any resource's inputs, so it causes no diff.
 */
import { ECRClient } from "@aws-sdk/client-ecr";
import { GetFunctionConfigurationCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../runtime/config/errors";
import { Config, prepareValidation, validateConfig } from "../runtime/config/schema";
import { RETRY_SETTINGS } from "../runtime/ecr/client";
import { errorCode, errorMessage } from "../runtime/shared/errors";
import { CONFIG_ENV, CONFIG_SOURCE } from "../runtime/lambda/config";
import type { AccountScope } from "./grant";
import { compareImpact, ImpactDiagnostics, ImpactRun, valueLine } from "./impactReport";
import { storageValueOf } from "../runtime/engine/storageValue";
import { measureImpact } from "./impactRun";
import { withoutNodeVersionNotice } from "./sdkNotice";

/** What the component hands over; all of it is read, none of it is changed. */
export interface PreviewImpactInputs {
  /** `EcrCleanupPolicy "name"`: the component in standalone messages. */
  source: string;
  /** The new policies, validated. */
  config: pulumi.Output<Config>;
  /** Where the provider deploys. */
  scope: pulumi.Output<AccountScope>;
  /** The function's name: known in a preview once the function exists. */
  functionName: pulumi.Output<string>;
}

/** What the preview found, for tests: the diagnostics it logged. */
export interface PreviewImpactResult extends ImpactDiagnostics {
  /** Whether numbers were computed (false after a credentials or region mismatch). */
  measured: boolean;
}

const running = new WeakMap<pulumi.Resource, Promise<PreviewImpactResult>>();

/** The preview work a component started (undefined when previewImpact is off or this is not a preview). */
export function previewImpactOf(component: pulumi.Resource): Promise<PreviewImpactResult> | undefined {
  return running.get(component);
}

/** Fewer attempts than a cleaning run: a preview that cannot read says so rather than wait. */
const PREVIEW_CLIENT_SETTINGS = { ...RETRY_SETTINGS, maxAttempts: 3 };

/** The value of an Output, or undefined while it is unknown (a preview of a resource not created yet). */
async function knownValue<T>(output: pulumi.Output<T>): Promise<T | undefined> {
  const internal = output as unknown as { isKnown: Promise<boolean>; promise(): Promise<T> };
  return (await internal.isKnown) ? internal.promise() : undefined;
}

/** The region the environment names (AWS_REGION, AWS_DEFAULT_REGION, the profile), if any. The preview's first client. */
export async function environmentRegion(): Promise<string | undefined> {
  const probe = withoutNodeVersionNotice(() => new STSClient({}));
  try {
    return await probe.config.region();
  } catch {
    return undefined;
  } finally {
    probe.destroy();
  }
}

/** The deployed function's policies, undefined when there is no such function yet. */
async function deployedConfig(lambda: LambdaClient, functionName: string | undefined, warnings: string[], source: string): Promise<Config | undefined> {
  if (!functionName) return undefined;
  let variables: Record<string, string> | undefined;
  try {
    variables = (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }))).Environment?.Variables;
  } catch (err) {
    if (errorCode(err) === "ResourceNotFoundException") return undefined;
    warnings.push(`${source} previewImpact: cannot read the deployed function ${functionName} (${errorMessage(err)}): every repository is shown as new`);
    return undefined;
  }
  const raw = variables?.[CONFIG_ENV];
  if (raw === undefined) {
    warnings.push(`${source} previewImpact: the deployed function ${functionName} holds no ${CONFIG_ENV}: every repository is shown as new`);
    return undefined;
  }
  try {
    const document: unknown = JSON.parse(raw);
    await prepareValidation(document);
    return validateConfig(document, CONFIG_SOURCE, "snake");
  } catch (err) {
    const why = err instanceof ConfigError || err instanceof SyntaxError ? err.message : errorMessage(err);
    warnings.push(`${source} previewImpact: the deployed function's policies cannot be read (${why}): every repository is shown as new`);
    return undefined;
  }
}

async function runPreview(inputs: PreviewImpactInputs, now: Date): Promise<PreviewImpactResult> {
  const { source } = inputs;
  const [config, scope, functionName] = await Promise.all([knownValue(inputs.config), knownValue(inputs.scope), knownValue(inputs.functionName)]);
  const result: PreviewImpactResult = { info: [], warnings: [], errors: [], measured: false };
  if (!config || !scope) {
    result.warnings.push(`${source} previewImpact: the policies or the provider's account are not known in this preview: no numbers`);
    return result;
  }
  const named = await environmentRegion();
  if (named && named !== scope.region) {
    result.warnings.push(`${source} previewImpact: the program's environment names region ${named}, but the provider deploys to ${scope.region}: no numbers (preview with the provider's region)`);
    return result;
  }
  const settings = { ...PREVIEW_CLIENT_SETTINGS, region: scope.region };
  const [sts, lambda, ecr] = withoutNodeVersionNotice(() => [new STSClient(settings), new LambdaClient(settings), new ECRClient(settings)] as const);
  // The in-use sources make their own clients per account and region from these settings.
  const clients = { ecr, sdkConfig: settings };
  try {
    let account: string | undefined;
    try {
      account = (await sts.send(new GetCallerIdentityCommand({}))).Account;
    } catch (err) {
      result.warnings.push(`${source} previewImpact: cannot tell whose AWS credentials the program's environment holds (STS GetCallerIdentity: ${errorMessage(err)}): no numbers`);
      return result;
    }
    if (account !== scope.accountId) {
      result.warnings.push(
        `${source} previewImpact: the AWS credentials of the program's environment are for account ${account}, but the provider deploys to account ${scope.accountId}: no numbers (preview with the provider's credentials)`,
      );
      return result;
    }
    const pulls = config.policies.filter((p) => p.keepPulledWithinMs !== undefined).map((p) => `"${p.name}"`);
    if (pulls.length) {
      result.warnings.push(
        `${source} previewImpact: ${pulls.join(", ")} ${pulls.length === 1 ? "uses" : "use"} keepPulledWithin, and the preview reads image index manifests (BatchGetImage), ` +
          "which counts as a pull and refreshes lastRecordedPullTime: preview with credentials registered as a pull-time update exclusion (see docs/pulumi.md)",
      );
    }
    const deployed = await deployedConfig(lambda, functionName, result.warnings, source);
    const after: ImpactRun = await measureImpact(config, clients, now);
    const before = deployed ? await measureImpact(deployed, clients, now) : undefined;
    const diagnostics = compareImpact(source, after, before);
    result.info.push(...diagnostics.info);
    const value = valueLine(source, after, (bytes) => storageValueOf(bytes, scope.region, config.settings.report?.pricePerGbMonth));
    if (value) result.info.push(value);
    result.warnings.push(...diagnostics.warnings);
    result.errors.push(...diagnostics.errors);
    result.measured = true;
    return result;
  } finally {
    sts.destroy();
    clients.ecr.destroy();
    lambda.destroy();
  }
}

/**
 * Starts the preview work when this is a preview; its diagnostics go to the component. The program waits for it
 * (an RPC keep-alive), and a cap failure rejects with a ResourceError that nothing handles, so Pulumi reports it on
 * the component and the preview fails.
 */
export function startPreviewImpact(component: pulumi.Resource, inputs: PreviewImpactInputs, now: () => Date = () => new Date()): void {
  if (!pulumi.runtime.isDryRun()) return;
  const done = pulumi.runtime.rpcKeepAlive();
  const work = runPreview(inputs, now()).then(
    async (result) => {
      for (const line of result.info) await pulumi.log.info(line, component);
      for (const line of result.warnings) await pulumi.log.warn(line, component);
      if (result.errors.length) throw Object.assign(new pulumi.ResourceError(result.errors.join("\n"), component, true), { result });
      return result;
    },
    async (err) => {
      // A bug or an unexpected failure never fails the preview: the numbers are only missing.
      const result: PreviewImpactResult = { info: [], warnings: [`${inputs.source} previewImpact failed, no numbers: ${errorMessage(err)}`], errors: [], measured: false };
      await pulumi.log.warn(result.warnings[0], component);
      return result;
    },
  );
  running.set(component, work.finally(done));
}
