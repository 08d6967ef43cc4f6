/**
 * Images that Lambda uses: functions packaged as container images, every published version included
 * (aliases point at versions), by the digest Lambda resolved at deploy time.
 */
import { type FunctionCodeLocation, GetFunctionCommand, LambdaClient, paginateListFunctions } from "@aws-sdk/client-lambda";
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

/** A version ListFunctions named, and whether it said the version is packaged as an image. */
interface ListedVersion {
  FunctionName: string;
  Qualifier: string;
  listedAsImage: boolean;
}

/** `…@sha256:<64 hex>`: the digest Lambda resolved at deploy time, which it runs whatever the tag says now. */
const RESOLVED_IMAGE = /^[^@\s]+@sha256:[0-9a-fA-F]{64}$/;

/**
 * A version's uses, decided from GetFunction's Code: a version whose Code names no image is a .zip only when
 * neither the listing nor the configuration says it is an image; an image version must name the digest it runs
 * (Code.ResolvedImageUri), recorded as a use of its own repository, besides Code.ImageUri (the tag it was deployed by).
 */
export function codeUses(what: string, code: FunctionCodeLocation | undefined, packageType: string | undefined, version: ListedVersion): ImageUse[] {
  const workload = `lambda ${version.FunctionName}:${version.Qualifier}`;
  const image = code?.ImageUri;
  const resolved = code?.ResolvedImageUri;
  if (image === undefined && resolved === undefined) {
    if (packageType === "Zip" && !version.listedAsImage) return [];
    throw new UntrustedAnswerError(`${what}: the answer names no image (Code.ImageUri) for a function not packaged as a .zip (PackageType ${packageType ?? "missing"}), so it cannot be used`);
  }
  if (typeof resolved !== "string" || !RESOLVED_IMAGE.test(resolved)) {
    throw new UntrustedAnswerError(`${what}: the answer's Code.ResolvedImageUri is ${resolved === undefined ? "missing" : JSON.stringify(resolved)}, not an image by digest (…@sha256:<64 hex>), so the digest the function runs is unknown and the answer cannot be used`);
  }
  const digest = resolved.slice(resolved.indexOf("@") + 1);
  const uses: ImageUse[] = [{ image: resolved, reason: "in-use:lambda", from: `${what} Code.ResolvedImageUri`, workload }];
  // The tag the function was deployed by is protected too, with the digest it resolved to.
  if (image !== undefined) uses.push({ image, digest, reason: "in-use:lambda", from: `${what} Code.ImageUri`, workload });
  return uses;
}

async function functionUses(client: LambdaClient): Promise<ImageUse[]> {
  const versions: ListedVersion[] = [];
  const pages = paginateListFunctions({ client, pageSize: LIST_PAGE_SIZE }, { FunctionVersion: "ALL" });
  for await (const page of trustedPages(pages, "Lambda ListFunctions", { items: "Functions", token: "NextMarker" })) {
    for (const fn of page.Functions ?? []) {
      // Only a .zip runs no image: a missing or unknown PackageType is read, and GetFunction's Code decides.
      if (fn.PackageType === "Zip") continue;
      if (!fn.FunctionName || !fn.Version) {
        throw new UntrustedAnswerError(`Lambda ListFunctions: an entry has no FunctionName or Version (${fn.FunctionName ?? "no FunctionName"}:${fn.Version ?? "no Version"}), so the version it lists cannot be read and the answer cannot be used`);
      }
      versions.push({ FunctionName: fn.FunctionName, Qualifier: fn.Version, listedAsImage: fn.PackageType === "Image" });
    }
  }
  // Each version is one GetFunction: independent reads, a few at once (Lambda's control-plane quotas are per second).
  const uses = await mapConcurrent(versions, GETS_AT_ONCE, async (version): Promise<ImageUse[]> => {
    // Name and qualifier rather than the qualified ARN, whose `$LATEST` form not every implementation routes.
    const what = `Lambda GetFunction of ${version.FunctionName}:${version.Qualifier}`;
    const out = await answerOf(what, client.send(new GetFunctionCommand({ FunctionName: version.FunctionName, Qualifier: version.Qualifier })));
    const configuration = out.Configuration ?? {};
    answerAbout(what, "Configuration.FunctionArn", `${version.FunctionName}:${version.Qualifier}`, configuration.FunctionArn, namesFunctionVersion);
    answerAbout(what, "Configuration.FunctionName", version.FunctionName, configuration.FunctionName ?? version.FunctionName);
    answerAbout(what, "Configuration.Version", version.Qualifier, configuration.Version ?? version.Qualifier);
    return codeUses(what, out.Code, configuration.PackageType, version);
  });
  return uses.flat();
}
