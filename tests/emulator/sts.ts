/**
 * STS for the emulator (API version 2011-06-15, the AWS Query protocol: a form-encoded POST with `Action`, answered
 * in XML): AssumeRole and GetCallerIdentity, with the limits and errors of the STS API reference. A role is created
 * in the emulator with the access keys it trusts and, optionally, the external id its trust policy requires; an
 * assumed session's keys are then known to the emulator as that role's account's.
 */
import { randomBytes } from "node:crypto";
import type * as http from "node:http";
import { AwsError } from "./protocol";

export const STS_VERSION = "2011-06-15";

/** Who a key is, as GetCallerIdentity answers. */
export interface CallerIdentity {
  account: string;
  arn: string;
  userId: string;
}

/** Whether a request is an AWS Query protocol call (form-encoded POST), which is how STS is called. */
export function isQueryRequest(req: http.IncomingMessage): boolean {
  return req.method === "POST" && String(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded");
}

export interface StoredRole {
  arn: string;
  account: string;
  name: string;
  /** Access key ids allowed to assume it (the trust policy's principals). */
  trusts: Set<string>;
  externalId?: string;
  /** "the maximum session duration setting for the role": 3600 s unless set (3600 to 43200). */
  maxSessionSeconds: number;
}

export interface SessionKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  account: string;
  arn: string;
  expiration: Date;
}

export interface StsEnvironment {
  /** Who an access key is (a session's role, or a user of the emulator's own account). */
  identityOf(accessKeyId: string): CallerIdentity;
  /** Records a session's keys, so that the other services answer them as that account. */
  remember(keys: SessionKeys): void;
  clock(): Date;
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

export const STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/";

export class StsState {
  private readonly roleMap = new Map<string, StoredRole>();
  /** AssumeRole calls answered, by role ARN (what a test counts: one per account per run). */
  readonly assumed = new Map<string, number>();

  constructor(private readonly env: StsEnvironment) {}

  /** A role in `arn`'s account that the given access keys may assume (by default `test`, the tests' own key). */
  createRole(arn: string, opts: { trusts?: string[]; externalId?: string; maxSessionSeconds?: number } = {}): StoredRole {
    const match = ROLE_ARN.exec(arn);
    if (!match) throw new Error(`not a role ARN: ${arn}`);
    const role: StoredRole = {
      arn, account: match[1], name: match[2], trusts: new Set(opts.trusts ?? ["test"]), externalId: opts.externalId, maxSessionSeconds: opts.maxSessionSeconds ?? 3600,
    };
    this.roleMap.set(arn, role);
    return role;
  }

  clear(): void {
    this.roleMap.clear();
    this.assumed.clear();
  }

  /** Query parameters in, the XML `<...Result>` body's inner elements out. */
  handle(action: string, params: URLSearchParams, accessKeyId: string | undefined): string {
    if (params.get("Version") !== STS_VERSION) throw new AwsError("InvalidAction", `Could not find operation ${action} for version ${params.get("Version") ?? ""}`, 400);
    if (action === "AssumeRole") return this.assumeRole(params, accessKeyId);
    if (action === "GetCallerIdentity") return this.callerIdentity(accessKeyId);
    throw new AwsError("InvalidAction", `Could not find operation ${action} for version 2011-06-15`, 400);
  }

  private assumeRole(params: URLSearchParams, accessKeyId: string | undefined): string {
    const roleArn = required(params, "RoleArn");
    const sessionName = required(params, "RoleSessionName");
    if (roleArn.length < 20 || roleArn.length > 2048) throw validation("roleArn", roleArn, "Member must have length greater than or equal to 20");
    if (!SESSION_NAME.test(sessionName)) throw validation("roleSessionName", sessionName, "Member must satisfy regular expression pattern: [\\w+=,.@-]*");
    const externalId = params.get("ExternalId") ?? undefined;
    if (externalId !== undefined && !EXTERNAL_ID.test(externalId)) throw validation("externalId", externalId, "Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*");
    const duration = params.get("DurationSeconds") === null ? 3600 : Number(params.get("DurationSeconds"));
    if (!Number.isInteger(duration) || duration < 900) throw validation("durationSeconds", String(duration), "Member must have value greater than or equal to 900");
    const caller = this.callerArn(accessKeyId);
    const role = this.roleMap.get(roleArn);
    // One answer whatever is wrong (no such role, not trusted, wrong or missing external id): STS does not say which.
    if (!role || !accessKeyId || !role.trusts.has(accessKeyId) || role.externalId !== externalId) {
      throw new AwsError("AccessDenied", `User: ${caller} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`, 403);
    }
    if (duration > role.maxSessionSeconds) {
      throw new AwsError("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.", 400);
    }
    const expiration = new Date(this.env.clock().getTime() + duration * 1000);
    const keys: SessionKeys = {
      accessKeyId: `ASIA${randomBytes(8).toString("hex").toUpperCase()}`,
      secretAccessKey: randomBytes(30).toString("base64"),
      sessionToken: randomBytes(48).toString("base64"),
      account: role.account,
      arn: `arn:aws:sts::${role.account}:assumed-role/${role.name}/${sessionName}`,
      expiration,
    };
    this.env.remember(keys);
    this.assumed.set(roleArn, (this.assumed.get(roleArn) ?? 0) + 1);
    return [
      "<Credentials>",
      `<AccessKeyId>${keys.accessKeyId}</AccessKeyId>`,
      `<SecretAccessKey>${keys.secretAccessKey}</SecretAccessKey>`,
      `<SessionToken>${keys.sessionToken}</SessionToken>`,
      `<Expiration>${expiration.toISOString()}</Expiration>`,
      "</Credentials>",
      `<AssumedRoleUser><AssumedRoleId>AROA${role.name.length.toString().padStart(4, "0")}EXAMPLE:${sessionName}</AssumedRoleId><Arn>${keys.arn}</Arn></AssumedRoleUser>`,
    ].join("");
  }

  private callerIdentity(accessKeyId: string | undefined): string {
    // An unsigned request, or a key STS does not know: "The security token included in the request is invalid."
    if (accessKeyId === undefined) throw new AwsError("InvalidClientTokenId", "The security token included in the request is invalid.", 403);
    const identity = this.env.identityOf(accessKeyId);
    return `<Arn>${identity.arn}</Arn><UserId>${identity.userId}</UserId><Account>${identity.account}</Account>`;
  }

  private callerArn(accessKeyId: string | undefined): string {
    return accessKeyId === undefined ? "anonymous" : this.env.identityOf(accessKeyId).arn;
  }
}

function required(params: URLSearchParams, name: string): string {
  const value = params.get(name);
  if (value === null) throw new AwsError("MissingParameter", `The request must contain the parameter ${name}`, 400);
  return value;
}

function validation(field: string, value: string, constraint: string): AwsError {
  return new AwsError("ValidationError", `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ${constraint}`, 400);
}

/** The Query protocol's answers: `<ActionResponse><ActionResult>…</ActionResult><ResponseMetadata>…`. */
export function queryResponse(action: string, inner: string, requestId: string): string {
  return `<${action}Response xmlns="${STS_NAMESPACE}"><${action}Result>${inner}</${action}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
}

export function queryError(error: AwsError, requestId: string): string {
  const type = error.status >= 500 ? "Receiver" : "Sender";
  const escaped = error.message.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  return `<ErrorResponse xmlns="${STS_NAMESPACE}"><Error><Type>${type}</Type><Code>${error.code}</Code><Message>${escaped}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}
