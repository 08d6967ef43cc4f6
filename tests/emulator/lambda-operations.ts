/**
 * The Lambda reads that in-use detection makes (API version 2015-03-31, REST-JSON), with the limits, defaults and
 * errors of the Lambda API reference. Errors carry the members of their shapes: ResourceNotFoundException and
 * ServiceException `{Type, Message}`, InvalidParameterValueException and TooManyRequestsException `{Type, message}`
 * (the SDK's model), and validation failures are ValidationException with AWS's "1 validation error detected" wording.
 */
import type { LambdaState, StoredFunction, StoredFunctionVersion } from "./lambda";
import { paginate } from "./paging";
import { AwsError, type Json, type ProtocolErrors, type RequestContext } from "./protocol";
import type { RestRoute } from "./server";

export interface LambdaEnvironment {
  lambdaFor(region: string): LambdaState;
}

/** "Lambda returns up to 50 functions per call" / "up to 50 versions per call", whatever MaxItems says. */
const PAGE_LIMIT = 50;
/** MaxItems: "Valid Range: Minimum value of 1. Maximum value of 10000." (ListFunctions, ListVersionsByFunction). */
const MAX_ITEMS = 10_000;
/** NamespacedFunctionName (GetFunction, ListVersionsByFunction): length 1..170 and this pattern. */
const FUNCTION_NAME_PATTERN =
  "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?";
const FUNCTION_NAME = new RegExp(`^${FUNCTION_NAME_PATTERN}$`);
/** Qualifier: length 1..128, pattern `(|[a-zA-Z0-9$_-]+)`. */
const QUALIFIER_PATTERN = "(|[a-zA-Z0-9$_-]+)";
const QUALIFIER = new RegExp(`^${QUALIFIER_PATTERN}$`);
const LATEST = "$LATEST";

export const LAMBDA_ERRORS: ProtocolErrors = {
  // Lambda's rate limits answer 429 TooManyRequestsException (no Retry-After here: the SDK would wait for it).
  throttle: () => {
    const message = "Rate exceeded";
    return new AwsError("TooManyRequestsException", message, 429, { body: { Reason: "CallerRateLimitExceeded", Type: "User", message } });
  },
  server: (message) => new AwsError("ServiceException", message, 500, { body: { Type: "Service", Message: message } }),
};

export function lambdaRoutes(env: LambdaEnvironment): RestRoute[] {
  return [
    {
      operation: "ListFunctions",
      method: "GET",
      path: /^\/2015-03-31\/functions\/?$/,
      errors: LAMBDA_ERRORS,
      handle({ query }, ctx) {
        const functionVersion = query.get("FunctionVersion") ?? undefined;
        if (functionVersion !== undefined && functionVersion !== "ALL") {
          throw validation(functionVersion, "functionVersion", "Member must satisfy enum value set: [ALL]");
        }
        const pageOpts = paging(query);
        const lambda = env.lambdaFor(ctx.region);
        // With FunctionVersion=ALL every version is an entry of its own, by its qualified ARN ($LATEST included);
        // without it, one entry a function: $LATEST, by its unqualified ARN.
        const all = functionVersion === "ALL";
        function* entries(): Generator<{ fn: StoredFunction; version: StoredFunctionVersion }> {
          for (const fn of lambda.functions()) {
            yield { fn, version: fn.latest };
            if (all) for (const version of fn.published) yield { fn, version };
          }
        }
        const page = paginate(entries, (e) => versionKey(e.fn, e.version), { scope: `ListFunctions/${ctx.region}/${functionVersion ?? ""}`, ...pageOpts });
        return { Functions: page.items.map((e) => configuration(lambda, e.fn, e.version, { qualified: all, full: false })), NextMarker: page.nextToken };
      },
    },
    {
      operation: "GetFunction",
      method: "GET",
      path: /^\/2015-03-31\/functions\/(?<FunctionName>[^/]+)$/,
      errors: LAMBDA_ERRORS,
      handle({ params, query }, ctx) {
        const { lambda, fn, version, qualified } = qualifiedVersion(env, params.FunctionName, query, ctx);
        return { Configuration: configuration(lambda, fn, version, { qualified, full: true }), Code: code(lambda, fn, version) };
      },
    },
    {
      // GET /2015-03-31/functions/FunctionName/configuration?Qualifier=Qualifier: the FunctionConfiguration alone.
      operation: "GetFunctionConfiguration",
      method: "GET",
      path: /^\/2015-03-31\/functions\/(?<FunctionName>[^/]+)\/configuration\/?$/,
      errors: LAMBDA_ERRORS,
      handle({ params, query }, ctx) {
        const { lambda, fn, version, qualified } = qualifiedVersion(env, params.FunctionName, query, ctx);
        return configuration(lambda, fn, version, { qualified, full: true });
      },
    },
    {
      operation: "ListVersionsByFunction",
      method: "GET",
      path: /^\/2015-03-31\/functions\/(?<FunctionName>[^/]+)\/versions\/?$/,
      errors: LAMBDA_ERRORS,
      handle({ params, query }, ctx) {
        const pageOpts = paging(query);
        const lambda = env.lambdaFor(ctx.region);
        // A qualifier in the name is ignored (what Lambda does with one here is not documented).
        const { name } = functionRef(lambda, params.FunctionName, undefined, ctx);
        const fn = lambda.function(name);
        if (!fn) throw functionNotFound(lambda.arn(name));
        const page = paginate(() => [fn.latest, ...fn.published], (v) => versionKey(fn, v), { scope: `ListVersionsByFunction/${fn.arn}`, ...pageOpts });
        return { Versions: page.items.map((v) => configuration(lambda, fn, v, { qualified: true, full: false })), NextMarker: page.nextToken };
      },
    },
  ];
}

/** Marker and MaxItems; a page holds at most 50 items whatever MaxItems says. */
function paging(query: URLSearchParams): { maxResults: number; nextToken?: string; invalidToken: (token: string) => AwsError } {
  const raw = query.get("MaxItems");
  let maxItems = PAGE_LIMIT;
  if (raw !== null) {
    maxItems = Number(raw);
    if (!/^-?[0-9]+$/.test(raw)) throw validation(raw, "maxItems", "Member must be an integer");
    if (maxItems < 1) throw validation(raw, "maxItems", "Member must have value greater than or equal to 1");
    if (maxItems > MAX_ITEMS) throw validation(raw, "maxItems", `Member must have value less than or equal to ${MAX_ITEMS}`);
  }
  return {
    maxResults: Math.min(maxItems, PAGE_LIMIT),
    nextToken: query.get("Marker") ?? undefined,
    // Not documented: the service parameter error Lambda models.
    invalidToken: () => invalidParameterValue("Invalid Marker"),
  };
}

/**
 * The function name and qualifier a FunctionName path parameter (name, `name:qualifier`, partial ARN or ARN) and a
 * Qualifier query parameter name together.
 */
function functionRef(lambda: LambdaState, raw: string, qualifier: string | undefined, ctx: RequestContext): { name: string; qualifier?: string } {
  if (raw.length > 170) throw validation(raw, "functionName", "Member must have length less than or equal to 170");
  const m = FUNCTION_NAME.exec(raw);
  if (!m) throw validation(raw, "functionName", `Member must satisfy regular expression pattern: ${FUNCTION_NAME_PATTERN}`);
  if (qualifier !== undefined) {
    if (qualifier.length < 1 || qualifier.length > 128 || !QUALIFIER.test(qualifier)) {
      throw validation(qualifier, "qualifier", `Member must satisfy regular expression pattern: ${QUALIFIER_PATTERN}`);
    }
  }
  const [, , , regionPart, , accountPart, , name, , derived] = m;
  const region = regionPart?.slice(0, -1);
  const account = accountPart?.slice(0, -1);
  if (qualifier !== undefined && derived !== undefined && qualifier !== derived) {
    throw invalidParameterValue("The derived qualifier from the function name does not match the specified qualifier.");
  }
  if (region !== undefined && region !== ctx.region) {
    throw resourceNotFound(`Functions from '${region}' are not reachable in this region ('${ctx.region}')`);
  }
  // Another account's function is not modelled: it is reported as not found.
  if (account !== undefined && account !== lambda.account) throw functionNotFound(raw);
  return { name, qualifier: qualifier ?? derived };
}

/** The version a FunctionName and Qualifier name (GetFunction, GetFunctionConfiguration), or ResourceNotFoundException. */
function qualifiedVersion(env: LambdaEnvironment, name: string, query: URLSearchParams, ctx: RequestContext) {
  const lambda = env.lambdaFor(ctx.region);
  const ref = functionRef(lambda, name, query.get("Qualifier") ?? undefined, ctx);
  const fn = lambda.function(ref.name);
  // Aliases are not modelled: a qualifier that is not a version names nothing.
  const version = ref.qualifier === undefined ? fn?.latest : [fn?.latest, ...(fn?.published ?? [])].find((v) => v?.version === ref.qualifier);
  if (!fn || !version) throw functionNotFound(lambda.arn(ref.name, ref.qualifier));
  return { lambda, fn, version, qualified: ref.qualifier !== undefined };
}

/** Functions in name order, each `$LATEST` first and then its versions in number order. */
function versionKey(fn: StoredFunction, version: StoredFunctionVersion): [number, string] {
  const n = version.version === LATEST ? 0 : Number(version.version);
  return [0, `${fn.name}\u0000${String(n).padStart(10, "0")}`];
}

/**
 * FunctionConfiguration. ListFunctions and ListVersionsByFunction return a subset: "To get the additional fields
 * (State, StateReasonCode, StateReason, LastUpdateStatus, ...) for a function or version, use GetFunction" (`full`).
 */
function configuration(lambda: LambdaState, fn: StoredFunction, v: StoredFunctionVersion, opts: { qualified: boolean; full: boolean }): Json {
  const image = v.packageType === "Image";
  return {
    FunctionName: fn.name,
    FunctionArn: opts.qualified ? lambda.arn(fn.name, v.version) : fn.arn,
    Version: v.version,
    PackageType: v.packageType,
    Runtime: image ? undefined : "nodejs20.x",
    Handler: image ? undefined : "index.handler",
    Role: `arn:aws:iam::${lambda.account}:role/${fn.name}-role`,
    CodeSize: image ? 0 : 1024,
    CodeSha256: v.codeSha256,
    Description: "",
    Timeout: 3,
    MemorySize: 128,
    LastModified: v.lastModified.toISOString().replace("Z", "+0000"),
    RevisionId: v.revisionId,
    TracingConfig: { Mode: "PassThrough" },
    Architectures: ["x86_64"],
    EphemeralStorage: { Size: 512 },
    SnapStart: { ApplyOn: "None", OptimizationStatus: "Off" },
    LoggingConfig: { LogFormat: "Text", LogGroup: `/aws/lambda/${fn.name}` },
    // EnvironmentResponse: present when the function has variables.
    Environment: v.environment ? { Variables: { ...v.environment } } : undefined,
    State: opts.full ? "Active" : undefined,
    LastUpdateStatus: opts.full ? "Successful" : undefined,
  };
}

/** FunctionCodeLocation: an image function's repository and image URIs; a .zip package's (made-up) download URL. */
function code(lambda: LambdaState, fn: StoredFunction, v: StoredFunctionVersion): Json {
  if (v.packageType === "Image") return { RepositoryType: "ECR", ImageUri: v.imageUri, ResolvedImageUri: v.resolvedImageUri };
  const { region, account } = lambda;
  const location = `https://awslambda-${region}-tasks.s3.${region}.amazonaws.com/snapshots/${account}/${fn.name}-${v.revisionId}`;
  return { RepositoryType: "S3", Location: location };
}

function functionNotFound(arn: string): AwsError {
  // (real wording) "Function not found: arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]"
  return resourceNotFound(`Function not found: ${arn}`);
}

function resourceNotFound(message: string): AwsError {
  return new AwsError("ResourceNotFoundException", message, 404, { body: { Type: "User", Message: message } });
}

function invalidParameterValue(message: string): AwsError {
  return new AwsError("InvalidParameterValueException", message, 400, { body: { Type: "User", message } });
}

/** (real wording) "1 validation error detected: Value 'x' at 'functionName' failed to satisfy constraint: ..." */
function validation(value: string, field: string, constraint: string): AwsError {
  const message = `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ${constraint}`;
  return new AwsError("ValidationException", message, 400, { body: { message } });
}
