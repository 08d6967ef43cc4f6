/** What the AWS JSON protocols share: the error an operation throws, the operation signature, timestamps. */

/** A service error as AWS returns it: `__type` code, message and HTTP status (400 for client faults). */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    /** What a protocol sends besides the code and message (see ErrorDetails). */
    readonly details: ErrorDetails = {},
  ) {
    super(message);
    this.name = code;
  }
}

export interface ErrorDetails {
  /**
   * The whole error body, for REST-JSON services whose error shapes name their own members (Lambda:
   * `{"Type":"User","Message":...}`); the JSON 1.1 protocol ignores it and sends `{__type, message}`.
   */
  body?: Json;
}

/** The errors a protocol answers with when the emulator fails a call itself: injected faults and its own bugs. */
export interface ProtocolErrors {
  throttle(): AwsError;
  server(message: string): AwsError;
}

/** JSON 1.1 services (ECR, ECS): both model ServerException; ThrottlingException is what their rate limits return. */
export const JSON_PROTOCOL_ERRORS: ProtocolErrors = {
  throttle: () => new AwsError("ThrottlingException", "Rate exceeded"),
  server: (message) => new AwsError("ServerException", message, 500),
};

/** The ARN partition of a region: aws-cn and aws-us-gov for the China and GovCloud regions. */
export function arnPartition(region: string): string {
  return region.startsWith("cn-") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
}

/** ECR reports shape-constraint violations as InvalidParameterException with this wording (seen in real responses). */
export function invalidParameter(field: string, constraint: string): AwsError {
  return new AwsError("InvalidParameterException", `Invalid parameter at '${field}' failed to satisfy constraint: '${constraint}'`);
}

/** A JSON value of the wrong type, or a body that is not JSON, is a SerializationException in the JSON protocols. */
export function serializationError(message: string): AwsError {
  return new AwsError("SerializationException", message);
}

export type Json = Record<string, unknown>;

/** What every operation learns about its request besides the body. */
export interface RequestContext {
  /** Operation name, e.g. `DescribeImages`. */
  readonly operation: string;
  /** Region from the SigV4 credential scope, or the emulator's default region when the request is unsigned. */
  readonly region: string;
  /** Access key id from the SigV4 credential scope, if signed. */
  readonly accessKeyId?: string;
}

/** A JSON-protocol operation: parsed body in, response body out (or an AwsError thrown). */
export type JsonOperation = (input: Json, ctx: RequestContext) => unknown;

/** The JSON protocols send timestamps as epoch seconds, fractional for sub-second precision. */
export function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}
