/** Bundles compared as users get them: the same file names with the same bytes (a boolean, so a failure does not print 600 KB). */
import type { BundleFiles } from "../../component/bundle";

export function sameFiles(a: BundleFiles, b: BundleFiles): boolean {
  const names = Object.keys(a).sort();
  return JSON.stringify(names) === JSON.stringify(Object.keys(b).sort()) && names.every((name) => a[name] === b[name]);
}
