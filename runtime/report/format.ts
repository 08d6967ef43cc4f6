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
