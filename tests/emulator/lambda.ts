/**
 * The emulator's Lambda state for one account and region: functions, each with its unpublished `$LATEST` and its
 * published versions "1", "2", ... Pure data, no HTTP: tests seed and inspect it directly, and lambda-operations.ts
 * serves it with the API's rules.
 */
import { createHash, randomUUID } from "node:crypto";
import { arnPartition } from "./protocol";

export type PackageType = "Image" | "Zip";

/** The container image of a version: `imageUri` as deployed (often by tag), `resolvedImageUri` by digest. */
export interface FunctionImageSeed {
  imageUri?: string;
  /** `repo@sha256:…`. Defaults to what `imageUri` names in the emulator's ECR registry at creation time, if anything. */
  resolvedImageUri?: string;
}

export interface FunctionSeed extends FunctionImageSeed {
  name: string;
  packageType: PackageType;
  /** The function's environment variables (Environment.Variables); published versions keep `$LATEST`'s. */
  environment?: Record<string, string>;
  /** Published in this order as versions "1", "2", ...; an Image version takes `$LATEST`'s image unless it names its own. */
  versions?: FunctionImageSeed[];
}

export interface StoredFunctionVersion {
  /** `$LATEST` or a published version number. */
  readonly version: string;
  readonly packageType: PackageType;
  readonly imageUri?: string;
  readonly resolvedImageUri?: string;
  /** For an image, the hex digest Lambda resolved; for a .zip package, the base64 SHA-256 of the package. */
  readonly codeSha256: string;
  readonly lastModified: Date;
  readonly revisionId: string;
  readonly environment?: Record<string, string>;
}

export interface StoredFunction {
  readonly name: string;
  /** The unqualified ARN. */
  readonly arn: string;
  latest: StoredFunctionVersion;
  readonly published: StoredFunctionVersion[];
}

/** A function name alone: "limited to 64 characters in length" (letters, digits, hyphens, underscores). */
const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

export class LambdaState {
  private readonly fns = new Map<string, StoredFunction>();

  constructor(
    readonly account: string,
    readonly region: string,
    /** The emulator clock: LastModified comes from it. */
    readonly now: () => Date,
    /** Resolves an image URI to `repo@digest`, as Lambda does when a function or version is deployed. */
    private readonly resolveImage: (imageUri: string) => string | undefined = () => undefined,
  ) {}

  /** `arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME`, with `:QUALIFIER` when given. */
  arn(name: string, qualifier?: string): string {
    const arn = `arn:${arnPartition(this.region)}:lambda:${this.region}:${this.account}:function:${name}`;
    return qualifier === undefined ? arn : `${arn}:${qualifier}`;
  }

  createFunction(seed: FunctionSeed): StoredFunction {
    if (!FUNCTION_NAME.test(seed.name)) throw new Error(`not a Lambda function name: ${seed.name}`);
    if (this.fns.has(seed.name)) throw new Error(`function ${seed.name} already exists`);
    const fn: StoredFunction = {
      name: seed.name,
      arn: this.arn(seed.name),
      latest: { ...this.version("$LATEST", seed.packageType, seed), ...(seed.environment ? { environment: { ...seed.environment } } : {}) },
      published: [],
    };
    this.fns.set(seed.name, fn);
    for (const v of seed.versions ?? []) this.publishVersion(seed.name, v);
    return fn;
  }

  /** Publishes the next version of `name`: a snapshot of `$LATEST`, with another image if `image` names one. */
  publishVersion(name: string, image: FunctionImageSeed = {}): StoredFunctionVersion {
    const fn = this.fns.get(name);
    if (!fn) throw new Error(`no function ${name}`);
    const latest = fn.latest;
    const seed = image.imageUri === undefined && image.resolvedImageUri === undefined ? latest : image;
    const version = { ...this.version(String(fn.published.length + 1), latest.packageType, seed), ...(latest.environment ? { environment: latest.environment } : {}) };
    fn.published.push(version);
    return version;
  }

  function(name: string): StoredFunction | undefined {
    return this.fns.get(name);
  }

  /** In name order, the order ListFunctions lists them in. */
  functions(): StoredFunction[] {
    return [...this.fns.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Removes every function. */
  clear(): void {
    this.fns.clear();
  }

  private version(version: string, packageType: PackageType, image: FunctionImageSeed): StoredFunctionVersion {
    const stamp = { version, packageType, lastModified: this.now(), revisionId: randomUUID() };
    if (packageType === "Zip") return { ...stamp, codeSha256: createHash("sha256").update(version).digest("base64") };
    if (image.imageUri === undefined) throw new Error("an Image function needs an imageUri");
    const resolvedImageUri = image.resolvedImageUri ?? this.resolveImage(image.imageUri);
    const digest = resolvedImageUri?.slice(resolvedImageUri.indexOf("@") + 1);
    return {
      ...stamp,
      imageUri: image.imageUri,
      resolvedImageUri,
      codeSha256: digest?.startsWith("sha256:") ? digest.slice("sha256:".length) : createHash("sha256").update(image.imageUri).digest("hex"),
    };
  }
}
