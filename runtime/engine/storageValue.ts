/**
 * What the bytes a run deletes are worth a month, at the region's standard ECR storage price (or
 * settings.report.price_per_gb_month). Only deletions count: an archived image is still charged (ECR bills archive
 * storage at the standard price for the first 150 TB a month, and at least 90 days), so archived bytes are never
 * valued as savings. An upper bound: images share layers, and ECR bills a layer once however many images hold it,
 * while an image's size counts all of its layers.
 */
/**
 * The standard storage price of private ECR repositories, USD per GB-month, by region. Source: the Amazon ECR pricing
 * page (https://aws.amazon.com/ecr/pricing/, "Storage: $0.10 per GB-month"), read 2026-12-07; the page gives one
 * storage price for the commercial regions. A region missing here is valued at DEFAULT_PRICE_PER_GB_MONTH, and the
 * report says so; settings.report.price_per_gb_month overrides either (a negotiated rate, another currency's bill).
 */
export const PRICE_SOURCE = "Amazon ECR pricing, https://aws.amazon.com/ecr/pricing/, 2026-12-07";
export const STANDARD_PRICE_PER_GB_MONTH: Readonly<Record<string, number>> = Object.fromEntries(
  [
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "ca-west-1", "sa-east-1", "mx-central-1",
    "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2",
    "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
    "ap-southeast-4", "ap-southeast-5", "ap-southeast-7", "ap-south-1", "ap-south-2", "ap-east-1", "ap-east-2",
    "me-south-1", "me-central-1", "il-central-1", "af-south-1",
  ].map((region) => [region, 0.1]),
);
export const DEFAULT_PRICE_PER_GB_MONTH = 0.1;
/** ECR bills storage per GB of 2^30 bytes (its console and bill show GB of binary size). */
const GB = 1024 ** 3;

/** The monthly value of the bytes a run deleted (with --apply) or would delete (a dry run). */
export interface StorageValue {
  /** USD a month, rounded to the cent; an upper bound (shared layers are billed once). */
  usdPerMonth: number;
  /** The bytes valued: the summary's bytesFreed with --apply, bytesToFree in a dry run. Archived bytes never count. */
  bytes: number;
  pricePerGbMonth: number;
  region: string;
  /** Where the price comes from: the table (with its source and date), the setting, or the default for a region the table lacks. */
  priceFrom: "price-list" | "setting" | "default";
}

export function storageValueOf(bytes: number, region: string, override?: number): StorageValue {
  const listed = STANDARD_PRICE_PER_GB_MONTH[region];
  const pricePerGbMonth = override ?? listed ?? DEFAULT_PRICE_PER_GB_MONTH;
  const priceFrom = override !== undefined ? "setting" : listed !== undefined ? "price-list" : "default";
  return { usdPerMonth: Math.round((bytes / GB) * pricePerGbMonth * 100) / 100, bytes, pricePerGbMonth, region, priceFrom };
}

/** The part of a RunReport valued (a structural type: the report's model names StorageValue from here). */
interface ValuedReport {
  apply: boolean;
  summary: { bytesFreed: number; bytesToFree: number; storageValue?: StorageValue };
}

/** Sets the summary's storageValue: of what was deleted (--apply) or would be (a dry run). */
export function withStorageValue<R extends ValuedReport>(report: R, region: string | undefined, override?: number): R {
  if (!region) return report;
  const bytes = report.apply ? report.summary.bytesFreed : report.summary.bytesToFree;
  report.summary.storageValue = storageValueOf(bytes, region, override);
  return report;
}

/** `$1.23 a month`, with the cents a small figure needs. */
export function formatUsd(usd: number): string {
  return `$${usd.toFixed(2)}`;
}

/** One sentence for the summaries: the value, what it is, and that it is an upper bound. */
export function storageValueText(value: StorageValue): string {
  const price = value.priceFrom === "setting" ? "settings.report.price_per_gb_month" : value.priceFrom === "default" ? `the usual price (${value.region} is not in the price list)` : `the ${value.region} standard price`;
  return `${formatUsd(value.usdPerMonth)} a month of standard storage at $${value.pricePerGbMonth} per GB-month (${price}); ` +
    "an upper bound: images share layers, which ECR bills once; archived images are still billed and not counted";
}
