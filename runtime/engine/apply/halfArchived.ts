/**
 * Units left archived in part when a run stops (a signal, the time limit) between a unit's calls: members go first,
 * so what is left is an active image whose members are archived, which cannot be pulled whole. No call is made after
 * a stop to finish or undo it (restoring would cost a restore and keep the unit out of the next runs' archive for
 * keep_restored_for); the run says which units they are, and the next run finishes them.
 */
import type { ImageDecision } from "../../planner/types";
import type { HalfArchivedUnit } from "../report";

/** The decisions a stop left without their call. */
const STOPPED: ReadonlySet<string> = new Set(["interrupted", "out-of-time"]);

/** The units among `toArchive` with an image this run archived (and still archived) and one a stop kept from its call. */
export function halfArchivedUnits(toArchive: readonly ImageDecision[], stillArchived: (digest: string) => boolean): HalfArchivedUnit[] {
  const units = new Map<string, HalfArchivedUnit & { stopped: boolean }>();
  for (const decision of toArchive) {
    const unit = decision.unitOf ?? decision.image.digest;
    let entry = units.get(unit);
    if (!entry) units.set(unit, (entry = { unit, archived: [], notArchived: [], stopped: false }));
    if (stillArchived(decision.image.digest)) entry.archived.push(decision.image.digest);
    else {
      entry.notArchived.push(decision.image.digest);
      if (decision.action === "keep" && STOPPED.has(decision.reason)) entry.stopped = true;
    }
  }
  return [...units.values()].filter((u) => u.stopped && u.archived.length).map(({ unit, archived, notArchived }) => ({ unit, archived, notArchived }));
}

/** What the report's note says of a half-archived unit: what state it is in, and the two ways out. */
export function halfArchivedNote(repository: string, { unit, archived, notArchived }: HalfArchivedUnit): string {
  return (
    `unit ${unit} is half-archived: ${archived.length} of its images archived (${archived.join(", ")}), ${notArchived.length} still active (${notArchived.join(", ")}), ` +
    `so its archived images cannot be pulled while the rest is active: running again finishes archiving it, or ecr-cleanup restore --repository ${repository} --digest ${unit} brings it back whole`
  );
}
