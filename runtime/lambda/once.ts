/** A value made on first use and kept: one set of SDK clients per execution environment, reused by warm invocations. */
export function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}
