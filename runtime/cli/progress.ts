/** Progress on a terminal: one self-overwriting stderr line. */
import type { RepositoryReport } from "../engine/report";

/** Repositories done out of total, images scanned, deletions. */
export function progress(write: (text: string) => void, apply: boolean) {
  let scanned = 0;
  let deletions = 0;
  return (repo: RepositoryReport, done: number, total: number) => {
    scanned += repo.imagesScanned;
    deletions += apply ? repo.deleted : repo.toDelete;
    const verb = apply ? "deleted" : "to delete";
    write(`\r${done}/${total} repositories, ${scanned} images scanned, ${deletions} ${verb}\x1b[K${done === total ? "\n" : ""}`);
  };
}
