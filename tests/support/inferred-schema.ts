/**
 * The schema `pulumi package add` infers for this package, computed without the CLI: the same
 * ComponentProvider.getSchema() that @pulumi/pulumi's run-plugin host serves, on the package as it ships.
 */
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental/provider";
import { EcrCleanupPolicy } from "../../component";
import { stagePackage } from "./packed-package";

export interface SchemaProperty {
  type?: string;
  $ref?: string;
  items?: SchemaProperty;
  additionalProperties?: SchemaProperty;
  optional?: boolean;
  plain?: boolean;
  description?: string;
}

export interface InferredSchema {
  name: string;
  version: string;
  resources: Record<string, { isComponent: boolean; inputProperties: Record<string, SchemaProperty>; requiredInputs: string[]; properties: Record<string, SchemaProperty>; required: string[] }>;
  types: Record<string, { type: string; properties: Record<string, SchemaProperty>; required: string[] }>;
}

let cached: Promise<InferredSchema> | undefined;

/** The package name run-plugin derives from package.json's name (the part after any scope). */
export const PLUGIN_NAME = "ecr-cleanup";

export function inferredSchema(): Promise<InferredSchema> {
  cached ??= (async () => {
    const provider = new ComponentProvider({ name: PLUGIN_NAME, dirname: stagePackage(), components: [EcrCleanupPolicy] as never });
    return JSON.parse(await provider.getSchema()) as InferredSchema;
  })();
  return cached;
}
