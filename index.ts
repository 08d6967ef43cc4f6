/**
 * The package's entry for Pulumi's schema inference (PulumiPlugin.yaml): the analyzer maps package.json's `main`
 * (dist/component/index.js) to a `.ts` beside it, finds none there, and reads the `index.ts` at the root, which
 * re-exports the component.
 */
export * from "./component";
