/**
 * Images that Lambda uses: functions packaged as container images, every published version included
 * (aliases point at versions), by the digest Lambda resolved at deploy time.
 */
import { GetFunctionCommand, LambdaClient, paginateListFunctions } from "@aws-sdk/client-lambda";
import type { InUseSettings } from "../config/inUseSettings";
import { answerAbout, answerOf, UntrustedAnswerError } from "../shared/answers";
import { trustedPages } from "../shared/pages";
import { mapConcurrent } from "../shared/pool";
import type { Target } from "./targets";
import type { ImageUse } from "./types";

const LIST_PAGE_SIZE = 50;
const GETS_AT_ONCE = 8;

/**
 * Whether a function ARN `answered` names the version `asked` (`NAME:QUALIFIER`): the same function name and, as
 * Lambda reads ARNs, the same qualifier; an unqualified ARN names `$LATEST`.
 */
export function namesFunctionVersion(asked: string, answered: string): boolean {
  const match = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)(?::([^:]+))?$/.exec(answered);
  return match !== null && `${match[1]}:${match[2] ?? "$LATEST"}` === asked;
}

export async function readLambdaUses(target: Target, _settings: InUseSettings): Promise<ImageUse[]> {
  const client = new LambdaClient(target.config);
  try {
    return await functionUses(client);
  } finally {
    client.destroy();
  }
}

async function functionUses(client: LambdaClient): Promise<ImageUse[]> {
  const versions: { FunctionName: string; Qualifier: string }[] = [];
  const pages = paginateListFunctions({ client, pageSize: LIST_PAGE_SIZE }, { FunctionVersion: "ALL" });
  for await (const page of trustedPages(pages, "Lambda ListFunctions", { items: "Functions", token: "NextMarker" })) {
    for (const fn of page.Functions ?? []) {
      if (fn.PackageType === "Image" && fn.FunctionName && fn.Version) versions.push({ FunctionName: fn.FunctionName, Qualifier: fn.Version });
    }
  }
  // Each version is one GetFunction: independent reads, a few at once (Lambda's control-plane quotas are per second).
  const uses = await mapConcurrent(versions, GETS_AT_ONCE, async (version): Promise<ImageUse[]> => {
    // Name and qualifier rather than the qualified ARN, whose `$LATEST` form not every implementation routes.
    const what = `Lambda GetFunction of ${version.FunctionName}:${version.Qualifier}`;
    const out = await answerOf(what, client.send(new GetFunctionCommand(version)));
    const configuration = out.Configuration ?? {};
    answerAbout(what, "Configuration.FunctionArn", `${version.FunctionName}:${version.Qualifier}`, configuration.FunctionArn, namesFunctionVersion);
    answerAbout(what, "Configuration.FunctionName", version.FunctionName, configuration.FunctionName ?? version.FunctionName);
    answerAbout(what, "Configuration.Version", version.Qualifier, configuration.Version ?? version.Qualifier);
    const code = out.Code;
    // ResolvedImageUri is `repo@sha256:…`, the digest Lambda runs whatever the tag says now.
    const resolved = code?.ResolvedImageUri;
    const digest = resolved?.includes("@") ? resolved.slice(resolved.indexOf("@") + 1) : undefined;
    const image = code?.ImageUri ?? resolved;
    // The listing said this version is an image: an answer that names none is not one to trust.
    if (!image) throw new UntrustedAnswerError(`${what}: the answer names no image (Code.ImageUri) for a function packaged as an image, so it cannot be used`);
    return [{ image, digest, reason: "in-use:lambda", workload: `lambda ${version.FunctionName}:${version.Qualifier}` }];
  });
  return uses.flat();
}
