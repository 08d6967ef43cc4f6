/** What the AWS JSON protocols share: the error an operation throws, the operation signature, timestamps. */

/** A service error as AWS returns it: `__type` code, message and HTTP status (400 for client faults). */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = code;
  }
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
