/** Small formatting helpers shared by the renderers. */

export function shortDigest(digest: string): string {
  const hex = digest.replace(/^sha256:/, "");
  return hex.slice(0, 12);
}

export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export function formatDate(iso: string): string {
  return iso.slice(0, 16).replace("T", " ");
}

/** Left-aligned columns; the last column is not padded. */
export function columns(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join("  ").trimEnd());
}

/** Long tags (a cosign `sha256-<64 hex>.sig`) shortened for the table; the JSON report keeps them whole. */
export function shortTag(tag: string): string {
  if (tag.length <= 32) return tag;
  const dot = tag.lastIndexOf(".");
  return `${tag.slice(0, 19)}…${dot > 19 ? tag.slice(dot) : tag.slice(-4)}`;
}
