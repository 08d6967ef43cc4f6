/**
 * How an error is shown: errorMessage's first line (the SDK's advice to programmers dropped) and the network hint,
 * given to a call the network did not carry and to nothing else (a full disk is no network failure).
 */
import { expect } from "chai";
import { errorCode, errorMessage } from "../runtime/shared/errors";
import { deadlineError } from "../runtime/shared/deadline";

const HINT = " (a network failure: check the region, AWS_ENDPOINT_URL and your connection)";
const RESET = " (the connection was reset: a network failure; check the region, AWS_ENDPOINT_URL and your connection)";

/** A Node system error as fs, net and dns throw it: name Error, the code beside it. */
const system = (code: string, message: string) => Object.assign(new Error(message), { code });
/** An SDK service error: its name is AWS's code. */
const service = (name: string, message: string) => Object.assign(new Error(message), { name, $metadata: {} });

describe("errorMessage", () => {
  const cases: [string, unknown, string, string][] = [
    // Network failures: the hint.
    ["a refused connection", system("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:1"), "ECONNREFUSED", `connect ECONNREFUSED 127.0.0.1:1${HINT}`],
    ["a reset", system("ECONNRESET", "read ECONNRESET"), "ECONNRESET", `read ECONNRESET${RESET}`],
    ["an unknown host", system("ENOTFOUND", "getaddrinfo ENOTFOUND ecr.nowhere-1.amazonaws.com"), "ENOTFOUND", `getaddrinfo ENOTFOUND ecr.nowhere-1.amazonaws.com${HINT}`],
    ["a DNS that did not answer", system("EAI_AGAIN", "getaddrinfo EAI_AGAIN ecr.us-east-1.amazonaws.com"), "EAI_AGAIN", `getaddrinfo EAI_AGAIN ecr.us-east-1.amazonaws.com${HINT}`],
    ["a connect timeout", system("ETIMEDOUT", "connect ETIMEDOUT 10.0.0.1:443"), "ETIMEDOUT", `connect ETIMEDOUT 10.0.0.1:443${HINT}`],
    ["a broken pipe", system("EPIPE", "write EPIPE"), "EPIPE", `write EPIPE${RESET}`],
    ["no route to the host", system("EHOSTUNREACH", "connect EHOSTUNREACH 10.0.0.1:443"), "EHOSTUNREACH", `connect EHOSTUNREACH 10.0.0.1:443${HINT}`],
    ["no route to the network", system("ENETUNREACH", "connect ENETUNREACH 10.0.0.1:443"), "ENETUNREACH", `connect ENETUNREACH 10.0.0.1:443${HINT}`],
    [
      "a deadline that passed",
      deadlineError("https://ecr.us-east-1.amazonaws.com", 15000, "DescribeImages request"),
      "TimeoutError",
      `https://ecr.us-east-1.amazonaws.com did not answer the DescribeImages request within 15000 ms (connection to last byte); abandoned${HINT}`,
    ],
    // File-system failures: as they are.
    ["a full disk", system("ENOSPC", "ENOSPC: no space left on device, write"), "ENOSPC", "ENOSPC: no space left on device, write"],
    ["a denied file", system("EACCES", "EACCES: permission denied, open '/var/log/j'"), "EACCES", "EACCES: permission denied, open '/var/log/j'"],
    ["a read-only file system", system("EROFS", "EROFS: read-only file system, open '/j'"), "EROFS", "EROFS: read-only file system, open '/j'"],
    ["a directory", system("EISDIR", "EISDIR: illegal operation on a directory, write"), "EISDIR", "EISDIR: illegal operation on a directory, write"],
    ["a missing file", system("ENOENT", "ENOENT: no such file or directory, open '/no/j'"), "ENOENT", "ENOENT: no such file or directory, open '/no/j'"],
    ["a bad descriptor", system("EBADF", "EBADF: bad file descriptor, fsync"), "EBADF", "EBADF: bad file descriptor, fsync"],
    // AWS's answers: no hint, and only their first line.
    ["a denied call", service("AccessDeniedException", "User: x is not authorized to perform: ecr:DescribeImages"), "AccessDeniedException", "User: x is not authorized to perform: ecr:DescribeImages"],
    [
      "an answer the SDK could not read",
      service("SyntaxError", "Unexpected token '<', \"<html><bod\"... is not valid JSON\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object."),
      "SyntaxError",
      "Unexpected token '<', \"<html><bod\"... is not valid JSON",
    ],
    [
      "a network failure on several lines",
      system("ECONNRESET", "socket hang up\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object."),
      "ECONNRESET",
      `socket hang up${RESET}`,
    ],
    ["not an Error", "plain text", "Error", "plain text"],
  ];
  for (const [name, err, code, shown] of cases) {
    it(`${name}: ${code}`, () => {
      expect(errorCode(err)).to.equal(code);
      expect(errorMessage(err)).to.equal(shown);
    });
  }
});
