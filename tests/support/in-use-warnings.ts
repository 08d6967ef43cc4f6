/**
 * The warning every run gives while a source that is on by default has no reader in this version (runtime/inuse/
 * sources.ts): its images are not protected, and the run says so. Tests that compare a run's warnings exactly
 * expect it; when the EKS source lands, this constant goes, and the compiler shows every test that named it.
 */
export const EKS_NOT_READ_WARNING = "settings.in_use.eks is on, but this version cannot read EKS yet: images that EKS uses are NOT protected in this run";
