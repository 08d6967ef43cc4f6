/**
 * STS GetCallerIdentity (API version 2011-06-15) as the AWS Query protocol serves it: a form-encoded POST with
 * `Action` and `Version`, answered with the XML of the STS API reference (`GetCallerIdentityResponse` /
 * `GetCallerIdentityResult` with `Arn`, `UserId`, `Account`, and `ResponseMetadata/RequestId`), errors as
 * `ErrorResponse/Error` with `Type`, `Code`, `Message`. The caller is known by the access key id of the SigV4
 * credential scope; an unknown key is `InvalidClientTokenId` (403), as STS answers a key it does not know.
 */
import { randomUUID } from "node:crypto";
import type * as http from "node:http";

export const STS_VERSION = "2011-06-15";
const XMLNS = `https://sts.amazonaws.com/doc/${STS_VERSION}/`;

export interface CallerIdentity {
  account: string;
  arn: string;
  userId: string;
}

/** Whether a request is an AWS Query protocol call (form-encoded POST), which is how STS is called. */
export function isQueryRequest(req: http.IncomingMessage): boolean {
  return req.method === "POST" && String(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded");
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;" })[c]!);
}

function sendXml(res: http.ServerResponse, status: number, xml: string, requestId: string): void {
  res.writeHead(status, { "Content-Type": "text/xml", "Content-Length": Buffer.byteLength(xml, "utf8"), "x-amzn-RequestId": requestId });
  res.end(xml);
}

function sendError(res: http.ServerResponse, status: number, code: string, message: string): void {
  const requestId = randomUUID();
  const xml = `<ErrorResponse xmlns="${XMLNS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
  sendXml(res, status, xml, requestId);
}

/** Serves one Query request: GetCallerIdentity for the key's identity; any other action is not served here. */
export function serveSts(body: string, accessKeyId: string | undefined, identityOf: (accessKeyId: string) => CallerIdentity | undefined, res: http.ServerResponse): void {
  const form = new URLSearchParams(body);
  const action = form.get("Action");
  if (action !== "GetCallerIdentity" || form.get("Version") !== STS_VERSION) {
    return sendError(res, 400, "InvalidAction", `Could not find operation ${action ?? ""} for version ${form.get("Version") ?? ""}`);
  }
  const identity = accessKeyId === undefined ? undefined : identityOf(accessKeyId);
  if (!identity) return sendError(res, 403, "InvalidClientTokenId", "The security token included in the request is invalid.");
  const requestId = randomUUID();
  const xml =
    `<GetCallerIdentityResponse xmlns="${XMLNS}"><GetCallerIdentityResult>` +
    `<Arn>${escapeXml(identity.arn)}</Arn><UserId>${escapeXml(identity.userId)}</UserId><Account>${identity.account}</Account>` +
    `</GetCallerIdentityResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`;
  sendXml(res, 200, xml, requestId);
}
