/**
 * Pulumi's mock runtime for the component tests: records every resource registered, answers the three invokes the
 * component makes (partition, region, caller identity) and fails on any other, and reads back each resource's URN
 * from the mock monitor (a URN carries its parent's type: `Parent$Child`).
 */
import * as pulumi from "@pulumi/pulumi";
import * as settings from "@pulumi/pulumi/runtime/settings";

export const ACCOUNT_ID = "123456789012";
export const REGION = "eu-west-1";
export const PARTITION = "aws";
export const PROJECT = "ecr-cleanup-test";
export const STACK = "test";

export interface RecordedResource {
  type: string;
  name: string;
  inputs: Record<string, any>;
  /** The outputs the mock handed back. */
  state: Record<string, any>;
}

const ARN_PREFIX: Record<string, (name: string, inputs: Record<string, any>) => string> = {
  "aws:iam/role:Role": (name) => `arn:aws:iam::${ACCOUNT_ID}:role/${name}`,
  "aws:iam/policy:Policy": (name) => `arn:aws:iam::${ACCOUNT_ID}:policy/${name}`,
  "aws:lambda/function:Function": (name) => `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${name}`,
  "aws:cloudwatch/logGroup:LogGroup": (name) => `arn:aws:logs:${REGION}:${ACCOUNT_ID}:log-group:${name}`,
  "aws:scheduler/schedule:Schedule": (name) => `arn:aws:scheduler:${REGION}:${ACCOUNT_ID}:schedule/default/${name}`,
  "aws:cloudwatch/metricAlarm:MetricAlarm": (name) => `arn:aws:cloudwatch:${REGION}:${ACCOUNT_ID}:alarm:${name}`,
  "aws:ecr/repository:Repository": (name) => `arn:aws:ecr:${REGION}:${ACCOUNT_ID}:repository/${name}`,
  "aws:ssm/parameter:Parameter": (name) => `arn:aws:ssm:${REGION}:${ACCOUNT_ID}:parameter/${name}`,
  "aws:s3/bucket:Bucket": (_name, inputs) => `arn:aws:s3:::${bucketName(inputs)}`,
  "aws:sfn/stateMachine:StateMachine": (name) => `arn:aws:states:${REGION}:${ACCOUNT_ID}:stateMachine:${name}`,
  "aws:sns/topic:Topic": (name) => `arn:aws:sns:${REGION}:${ACCOUNT_ID}:${name}`,
};

/** The bucket name a provider would pick for a bucketPrefix. */
function bucketName(inputs: Record<string, any>): string {
  return inputs.bucket ?? `${inputs.bucketPrefix}0a1b2c3`;
}

/** Outputs some types have besides name and ARN. */
const EXTRA_STATE: Record<string, (inputs: Record<string, any>) => Record<string, unknown>> = {
  "aws:s3/bucket:Bucket": (inputs) => ({ bucket: bucketName(inputs) }),
};

const INVOKES: Record<string, Record<string, unknown>> = {
  "aws:index/getPartition:getPartition": { id: PARTITION, partition: PARTITION, dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws" },
  "aws:index/getRegion:getRegion": { id: REGION, region: REGION, name: REGION, description: "Europe (Ireland)", endpoint: `ec2.${REGION}.amazonaws.com` },
  "aws:index/getCallerIdentity:getCallerIdentity": { id: ACCOUNT_ID, accountId: ACCOUNT_ID, arn: `arn:aws:iam::${ACCOUNT_ID}:user/test`, userId: "AIDATEST" },
};

/** The physical name a provider would pick: the explicit `name` input, else the logical name and a fixed suffix. */
function physicalName(name: string, inputs: Record<string, any>): string {
  return typeof inputs.name === "string" ? inputs.name : `${name}-0a1b2c3`;
}

export class Recorder {
  readonly resources: RecordedResource[] = [];
  readonly calls: string[] = [];

  async install(preview = false): Promise<void> {
    await pulumi.runtime.setMocks({
      newResource: (args) => {
        const name = physicalName(args.name, args.inputs);
        const arn = ARN_PREFIX[args.type]?.(name, args.inputs);
        const state = { ...args.inputs, ...(args.custom ? { name } : {}), ...(arn ? { arn } : {}), ...EXTRA_STATE[args.type]?.(args.inputs) };
        this.resources.push({ type: args.type, name: args.name, inputs: args.inputs, state });
        return { id: `${name}-id`, state };
      },
      call: (args) => {
        this.calls.push(args.token);
        const result = INVOKES[args.token];
        if (!result) throw new Error(`unexpected invoke ${args.token} (${JSON.stringify(args.inputs)})`);
        return result;
      },
    }, PROJECT, STACK, preview);
  }

  ofType(type: string): RecordedResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  one(type: string): RecordedResource {
    const found = this.ofType(type);
    if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
    return found[0];
  }

  named(name: string): RecordedResource {
    const found = this.resources.find((r) => r.name === name);
    if (!found) throw new Error(`no resource named ${name}; have ${this.resources.map((r) => r.name).join(", ")}`);
    return found;
  }

  /** Resource count by type. */
  counts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const r of this.resources) counts[r.type] = (counts[r.type] ?? 0) + 1;
    return counts;
  }
}

/** Every URN the mock monitor registered (the monitor is the SDK's MockMonitor while mocks are set). */
export function registeredUrns(): string[] {
  const monitor = settings.getMonitor() as unknown as { resources: Map<string, unknown> };
  return [...monitor.resources.keys()];
}

/** The type of a URN's parent, or undefined at the top level. */
export function parentTypeOf(urn: string): string | undefined {
  const qualifiedType = urn.split("::")[2];
  const parts = qualifiedType.split("$");
  return parts.length > 1 ? parts[parts.length - 2] : undefined;
}

/** An Output's value, rejecting when the Output fails (uses the SDK's internal promise, the usual way in unit tests). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return (output as unknown as { promise(): Promise<T> }).promise();
}

/** The text of each StringAsset of an AssetArchive as the mock received it. */
export async function archiveFiles(archive: pulumi.asset.AssetArchive): Promise<Record<string, string>> {
  const assets = await archive.assets;
  const files: Record<string, string> = {};
  for (const [file, asset] of Object.entries(assets)) {
    const text = await (asset as pulumi.asset.StringAsset).text;
    if (typeof text !== "string") throw new Error(`${file} is not a StringAsset`);
    files[file] = text;
  }
  return files;
}
