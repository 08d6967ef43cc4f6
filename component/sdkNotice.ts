/**
 * The AWS SDK prints a nine-line notice about Node.js versions the first time a process makes a client. The CLI turns
 * it off for its own process (bin/ecr-cleanup.js); the component runs inside someone else's Pulumi program, so it
 * turns it off only while it makes its own clients and then puts the variable back as it was. The SDK prints the
 * notice at most once per process, so a client the program makes later prints nothing either.
 */
const VARIABLE = "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED";

export function withoutNodeVersionNotice<T>(make: () => T): T {
  const before = process.env[VARIABLE];
  process.env[VARIABLE] = "true";
  try {
    return make();
  } finally {
    if (before === undefined) delete process.env[VARIABLE];
    else process.env[VARIABLE] = before;
  }
}
