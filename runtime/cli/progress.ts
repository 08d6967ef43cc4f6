/** Progress on a terminal: one self-overwriting stderr line. */
import type { RepositoryReport } from "../engine/report";

/** Repositories done out of total, images scanned, deletions (and archives, once there are any). */
export function progress(write: (text: string) => void, apply: boolean) {
  let scanned = 0;
  let deletions = 0;
  let archives = 0;
  return (repo: RepositoryReport, done: number, total: number) => {
    scanned += repo.imagesScanned;
    deletions += apply ? repo.deleted : repo.toDelete;
    archives += (apply ? repo.archived : repo.toArchive) ?? 0;
    const verb = apply ? "deleted" : "to delete";
    const archived = archives ? `, ${archives} ${apply ? "archived" : "to archive"}` : "";
    write(`\r${done}/${total} repositories, ${scanned} images scanned, ${deletions} ${verb}${archived}\x1b[K${done === total ? "\n" : ""}`);
  };
}
