/**
 * Input checks with the limits of the ECR API reference. Wrong JSON types are SerializationException; values that
 * break a documented constraint are InvalidParameterException, worded as ECR words them.
 */
import { invalidParameter, serializationError, type Json } from "./protocol";

interface StringRule {
  required?: boolean;
  min?: number;
  max?: number;
  pattern?: RegExp;
}

export function str(input: Json, field: string, rule: StringRule = {}, path = field): string | undefined {
  const value = input[field];
  if (value === undefined || value === null) {
    if (rule.required) throw invalidParameter(path, "Member must not be null");
    return undefined;
  }
  if (typeof value !== "string") throw serializationError(`Expected a string at '${path}'`);
  if (rule.min !== undefined && value.length < rule.min) {
    throw invalidParameter(path, `Member must have length greater than or equal to ${rule.min}`);
  }
  if (rule.max !== undefined && value.length > rule.max) {
    throw invalidParameter(path, `Member must have length less than or equal to ${rule.max}`);
  }
  if (rule.pattern && !rule.pattern.test(value)) {
    throw invalidParameter(path, `Member must satisfy regular expression pattern: ${rule.pattern.source}`);
  }
  return value;
}

export function int(input: Json, field: string, min: number, max: number): number | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value)) throw serializationError(`Expected an integer at '${field}'`);
  if (value < min) throw invalidParameter(field, `Member must have value greater than or equal to ${min}`);
  if (value > max) throw invalidParameter(field, `Member must have value less than or equal to ${max}`);
  return value;
}

export function list(input: Json, field: string, min: number, max: number, required = false): unknown[] | undefined {
  const value = input[field];
  if (value === undefined || value === null) {
    if (required) throw invalidParameter(field, "Member must not be null");
    return undefined;
  }
  if (!Array.isArray(value)) throw serializationError(`Expected a list at '${field}'`);
  if (value.length < min) throw invalidParameter(field, `Member must have length greater than or equal to ${min}`);
  if (value.length > max) throw invalidParameter(field, `Member must have length less than or equal to ${max}`);
  return value;
}

export function obj(input: Json, field: string): Json | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) throw serializationError(`Expected a structure at '${field}'`);
  return value as Json;
}

export function oneOf<T extends string>(input: Json, field: string, values: readonly T[], path = field): T | undefined {
  const value = str(input, field, {}, path);
  if (value === undefined) return undefined;
  if (!(values as readonly string[]).includes(value)) {
    throw invalidParameter(path, `Member must satisfy enum value set: [${values.join(", ")}]`);
  }
  return value as T;
}

/** An ImageIdentifier as sent: both members optional (BatchDeleteImage reports a missing pair per item). */
export interface ImageIdInput {
  imageDigest?: string;
  imageTag?: string;
}

/** A list of ImageIdentifier with the API's item limits; imageTag length 1..300 per the reference. */
export function imageIds(input: Json, field: string, min: number, max: number, required: boolean): ImageIdInput[] | undefined {
  const items = list(input, field, min, max, required);
  return items?.map((item, i) => {
    const path = `${field}.${i + 1}.member`;
    if (typeof item !== "object" || item === null || Array.isArray(item)) throw serializationError(`Expected a structure at '${path}'`);
    const id = item as Json;
    return {
      imageDigest: str(id, "imageDigest", {}, `${path}.imageDigest`),
      imageTag: str(id, "imageTag", { min: 1, max: 300 }, `${path}.imageTag`),
    };
  });
}
