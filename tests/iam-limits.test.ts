/**
 * The function's IAM documents against IAM's limits (issue 13): repository entries reduced only to entries of the
 * policies themselves, spread over managed policies of at most 6,144 characters, at most 10 of them, and the inline
 * policy within the role's 10,240; a list that cannot fit fails at construction (`pulumi preview`).
 */
import { expect } from "chai";
import fc from "fast-check";
import * as pulumi from "@pulumi/pulumi";
import { defaultInUse } from "../runtime/config/inUseSettings";
import { EcrCleanupPolicy } from "../component";
import { cleanerPolicyDocument, inlinePolicySizeProblem } from "../component/iam";
import { MANAGED_POLICIES_PER_ROLE, MANAGED_POLICY_LIMIT, policySize, ROLE_INLINE_POLICIES_LIMIT } from "../component/iamLimits";
import { ARCHIVE_IMAGE_ACTION, DELETE_IMAGE_ACTION, READ_IMAGE_ACTIONS, repositoryArn, repositoryStatement } from "../runtime/iam/repositories";
import { globCovers, minimalPatterns } from "../runtime/iam/repositoryPatterns";
import { policyDocument } from "../runtime/iam/statement";
import {
  KnownGrant, MAX_REPOSITORY_NAME_LENGTH, RepositoryGrant, repositoryGrants, repositoryLayout, repositoryPolicyDocument,
} from "../component/repositoryPolicies";
import { validateConfig } from "../runtime/config/schema";
import { globMatches } from "../runtime/planner/glob";
import { deploy, RELEASES, statements, T } from "./support/component-under-mocks";
import { ACCOUNT_ID, Recorder, REGION, valueOf } from "./support/pulumi-mocks";

const SCOPE = { partition: "aws", region: REGION, accountId: ACCOUNT_ID };
/** The longest partition and region there are, to check the layout's bound. */
const GOVCLOUD = { partition: "aws-us-gov", region: "ap-southeast-7", accountId: ACCOUNT_ID };
const names = (count: number, length = 16) => Array.from({ length: count }, (_, i) => `r${String(i).padStart(length - 1, "0")}`);
const policyWith = (repositories: pulumi.Input<string>[]) => ({ ...RELEASES, name: "many", repositories });
/** The grants of one delete policy on these entries. */
const grantsOn = (entries: pulumi.Input<string>[]) => repositoryGrants([policyWith(entries)], false);
/** A managed policy's parts with their names as known (the entries are plain strings here). */
const known = (parts: RepositoryGrant[]): KnownGrant[] => parts.map(({ sid, actions, entries }) => ({ sid, actions, names: entries as string[] }));

function documentsOf(entries: string[], scope = SCOPE): string[] {
  const layout = repositoryLayout(grantsOn(entries));
  if ("problem" in layout) throw new Error(layout.problem);
  return layout.policies.map((parts) => repositoryPolicyDocument(scope, known(parts)));
}

function grantedArns(documents: string[]): string[] {
  return documents.flatMap((d) => JSON.parse(d).Statement.flatMap((s: { Resource: string[] }) => s.Resource));
}

describe("IAM limits", () => {
  describe("globCovers: an entry covers another only when it matches every name the other matches", () => {
    const table: [string, string, boolean][] = [
      ["team/*", "team/app", true],
      ["team/*", "team/a*", true],
      ["team/*", "team/a?", true],
      ["team/*", "team", false],
      ["team/*", "team*", false],
      ["team/a?", "team/a*", false],
      ["team/a?", "team/ab", true],
      ["team/a?", "team/a?", true],
      ["?", "*", false],
      ["*", "*", true],
      ["*", "", true],
      ["a*b", "a*c*b", true],
      ["a*c*b", "a*b", false],
      ["app", "app", true],
      ["app", "app2", false],
      ["App", "app", false],
    ];
    for (const [general, specific, expected] of table) {
      it(`${general} ${expected ? "covers" : "does not cover"} ${specific}`, () => expect(globCovers(general, specific)).to.equal(expected));
    }

    it("never says yes when some name matches the specific entry and not the general one (property)", () => {
      const pattern = fc.stringMatching(/^[ab*?]{0,6}$/);
      const name = fc.stringMatching(/^[ab]{0,8}$/);
      fc.assert(fc.property(pattern, pattern, fc.array(name, { maxLength: 30 }), (general, specific, probes) => {
        if (!globCovers(general, specific)) return;
        for (const probe of probes) if (globMatches(specific, probe)) expect(globMatches(general, probe), `${general} ⊇ ${specific}, ${probe}`).to.equal(true);
      }), { numRuns: 500 });
    });
  });

  describe("minimalPatterns", () => {
    const table: [string[], string[]][] = [
      [["team/app", "team/*", "web"], ["team/*", "web"]],
      [["web", "web", "api"], ["api", "web"]],
      [["a*", "a**", "ab"], ["a*"]],
      [["team/a*", "team/ab", "team/*"], ["team/*"]],
      // Names that merely share a prefix are not collapsed into a glob the policies do not have.
      [["team-a", "team-b"], ["team-a", "team-b"]],
      [["*"], ["*"]],
      [[], []],
    ];
    for (const [entries, expected] of table) {
      it(`${JSON.stringify(entries)} → ${JSON.stringify(expected)}`, () => expect(minimalPatterns(entries)).to.deep.equal(expected));
    }
  });

  describe("repositoryGrants: each image action only where a policy needs it", () => {
    const READ = ["ecr:BatchGetImage", "ecr:DescribeImages"];
    const ARCHIVE = "ecr:UpdateImageStorageClass";
    const DELETE = "ecr:BatchDeleteImage";
    const p = (repositories: string[] | undefined, action?: string) => ({ ...RELEASES, repositories, ...(action ? { action } : {}) });
    const table: [string, ReturnType<typeof p>[], boolean, RepositoryGrant[]][] = [
      ["delete policies: one statement, as always", [p(["hello-world", "team/*"])], false,
        [{ sid: "CleanGovernedRepositories", actions: [DELETE, ...READ], entries: ["hello-world", "team/*"] }]],
      ["archive policies: no BatchDeleteImage", [p(["media/*"], "archive")], false,
        [{ sid: "CleanGovernedRepositories", actions: [...READ, ARCHIVE], entries: ["media/*"] }]],
      ["archive policies with delete_after: BatchDeleteImage too", [p(["media/*"], "archive")], true,
        [{ sid: "CleanGovernedRepositories", actions: [DELETE, ...READ, ARCHIVE], entries: ["media/*"] }]],
      ["mixed: deletes where delete policies govern, archives where archive policies do", [p(["shop"]), p(["media/*"], "archive")], false, [
        { sid: "ReadGovernedRepositories", actions: READ, entries: ["media/*", "shop"] },
        { sid: "DeleteInDeletingRepositories", actions: [DELETE], entries: ["shop"] },
        { sid: "ArchiveInArchivingRepositories", actions: [ARCHIVE], entries: ["media/*"] },
      ]],
      ["mixed with delete_after: deletes in every governed repository", [p(["shop"]), p(["media/*"], "archive")], true, [
        { sid: "CleanGovernedRepositories", actions: [DELETE, ...READ], entries: ["media/*", "shop"] },
        { sid: "ArchiveInArchivingRepositories", actions: [ARCHIVE], entries: ["media/*"] },
      ]],
      ["an archive policy over every repository, a delete policy over one", [p(undefined, "archive"), p(["shop"])], false, [
        { sid: "CleanGovernedRepositories", actions: [...READ, ARCHIVE], entries: ["*"] },
        { sid: "DeleteInDeletingRepositories", actions: [DELETE], entries: ["shop"] },
      ]],
      ["a delete policy over every repository, an archive policy over some", [p(undefined), p(["media/*"], "archive")], false, [
        { sid: "CleanGovernedRepositories", actions: [DELETE, ...READ], entries: ["*"] },
        { sid: "ArchiveInArchivingRepositories", actions: [ARCHIVE], entries: ["media/*"] },
      ]],
      ["a delete policy's name under an archive policy's glob: deletes only there", [p(["team/*"], "archive"), p(["team/app"])], false, [
        { sid: "CleanGovernedRepositories", actions: [...READ, ARCHIVE], entries: ["team/*"] },
        { sid: "DeleteInDeletingRepositories", actions: [DELETE], entries: ["team/app"] },
      ]],
    ];
    for (const [what, policies, deleteAfter, expected] of table) {
      it(what, () => expect(repositoryGrants(policies, deleteAfter)).to.deep.equal(expected));
    }
  });

  describe("the repository policies", () => {
    it("the issue's example: 139 names of 16 characters (10,259 characters in one document before) fit in two managed policies", () => {
      const all = names(139);
      const oneDocument = policyDocument([repositoryStatement(grantsOn(all)[0], all.map((n) => repositoryArn(SCOPE, n)))]);
      expect(policySize(oneDocument)).to.be.greaterThan(MANAGED_POLICY_LIMIT);
      const documents = documentsOf(all);
      expect(documents).to.have.length(2);
      for (const d of documents) expect(policySize(d)).to.be.at.most(MANAGED_POLICY_LIMIT);
      expect(grantedArns(documents).sort()).to.deep.equal(all.map((n) => repositoryArn(SCOPE, n)).sort());
    });

    it("every document is within IAM's limit and grants each action exactly where the policies need it (property)", () => {
      const segment = fc.stringMatching(/^[a-z][a-z0-9._-]{0,30}$/);
      const entry = fc.oneof(
        { weight: 6, arbitrary: fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => parts.join("/")) },
        { weight: 1, arbitrary: fc.tuple(segment, fc.constantFrom("*", "/*", "-?", "?*")).map(([s, w]) => s + w) },
        { weight: 1, arbitrary: fc.stringMatching(/^[a-z]{1,3}\*$/) },
      );
      // A policy governs its entries, or (undefined: protectedRepositories or neither list) every repository.
      const policy = fc.record({ entries: fc.option(fc.array(entry, { minLength: 1, maxLength: 300 }), { nil: undefined, freq: 8 }), archive: fc.boolean() });
      const probe = fc.stringMatching(/^[a-z][a-z0-9._/-]{0,40}$/);
      fc.assert(fc.property(fc.array(policy, { minLength: 1, maxLength: 4 }), fc.boolean(), fc.array(probe, { maxLength: 20 }), fc.boolean(), (drawn, deleteAfter, probes, govcloud) => {
        const policies = drawn.map((p, i) => ({ ...RELEASES, name: `p${i}`, repositories: p.entries, ...(p.archive ? { action: "archive" } : {}) }));
        // The oracle: which policies need each action (spec section 7, issue 12).
        const needing: Record<string, typeof drawn> = {
          [DELETE_IMAGE_ACTION]: drawn.filter((p) => deleteAfter || !p.archive),
          [ARCHIVE_IMAGE_ACTION]: drawn.filter((p) => p.archive),
          ...Object.fromEntries(READ_IMAGE_ACTIONS.map((action) => [action, drawn])),
        };
        const needs = (action: string, name: string) => needing[action].some((p) => !p.entries || p.entries.some((e) => globMatches(e, name)));

        const grants = repositoryGrants(policies, deleteAfter);
        const layout = repositoryLayout(grants);
        if ("problem" in layout) {
          // Refused only when the role could not hold the entries.
          const least = grants.flatMap((g) => g.entries as string[]).reduce((sum, e) => sum + repositoryArn(SCOPE, e).length + 3, 0);
          expect(least).to.be.greaterThan((MANAGED_POLICY_LIMIT - 200) * MANAGED_POLICIES_PER_ROLE * 0.6);
          expect(layout.problem).to.match(/name the repositories by globs that cover several of them/);
          return;
        }
        expect(layout.policies.length).to.be.at.most(MANAGED_POLICIES_PER_ROLE);
        const scope = govcloud ? GOVCLOUD : SCOPE;
        const documents = layout.policies.map((parts) => repositoryPolicyDocument(scope, known(parts)));
        for (const d of documents) expect(policySize(d)).to.be.at.most(MANAGED_POLICY_LIMIT);
        const prefix = repositoryArn(scope, "");
        const granted = new Map<string, string[]>(Object.keys(needing).map((action) => [action, []]));
        for (const d of documents) {
          const statements = JSON.parse(d).Statement as { Sid: string; Action: string[]; Resource: string[] }[];
          expect(new Set(statements.map((st) => st.Sid)).size, "Sids unique in a document").to.equal(statements.length);
          for (const st of statements) for (const action of st.Action) granted.get(action)!.push(...st.Resource.map((arn) => arn.slice(prefix.length)));
        }
        expect([...granted.keys()].sort()).to.deep.equal(Object.keys(needing).sort());
        const literals = drawn.flatMap((p) => p.entries ?? []);
        // Names the policies match: their literal entries, their globs with the wildcards filled in, and random names.
        const names = [...probes, ...literals.map((e) => e.replace(/\*/g, "zz").replace(/\?/g, "q"))];
        for (const [action, patterns] of granted) {
          const own = needing[action].flatMap((p) => p.entries ?? ["*"]);
          // No more than the policies that need the action: each pattern one of their own entries, and none twice.
          for (const p of patterns) expect(own, action).to.include(p);
          expect(new Set(patterns).size, action).to.equal(patterns.length);
          // No less: each of their entries covered, and a name granted the action exactly when one of them governs it.
          for (const e of own) expect(patterns.some((p) => globCovers(p, e)), `${action} ${e}`).to.equal(true);
          for (const name of names) expect(patterns.some((p) => globMatches(p, name)), `${action} on ${name}`).to.equal(needs(action, name));
        }
      }), { numRuns: 150 });
    });

    it("counts a name not known yet at ECR's maximum length, so the policy it lands in fits whatever it turns out to be", () => {
      const pending = Array.from({ length: 40 }, (_, i) => pulumi.output(`n${i}`));
      const layout = repositoryLayout(grantsOn(pending));
      if ("problem" in layout) throw new Error(layout.problem);
      const longest = "x".repeat(MAX_REPOSITORY_NAME_LENGTH);
      for (const parts of layout.policies) {
        const longestNames = parts.map(({ sid, actions, entries }) => ({ sid, actions, names: entries.map((_, i) => longest.slice(0, -3) + String(i).padStart(3, "0")) }));
        expect(policySize(repositoryPolicyDocument(GOVCLOUD, longestNames))).to.be.at.most(MANAGED_POLICY_LIMIT);
      }
      expect(layout.policies.length).to.equal(3);
    });

    it("refuses a list the role cannot hold, giving the size and the way out; the component at construction", async () => {
      // Known names that many do not fit Lambda's environment either, which the component checks first.
      const layout = repositoryLayout(grantsOn(names(1200, 40)));
      expect(layout).to.have.property("problem").that.matches(
        /^the policies name 1200 repositories .*, whose ARNs take up to \d+ characters in IAM policies: \d+ managed policies of 6144 characters, more than the 10 a role may have attached \(IAM's default quota\): name the repositories by globs that cover several of them \(such as "team-\*"\), or split the policies over several EcrCleanupPolicy components$/,
      );
      await new Recorder().install();
      const pending = Array.from({ length: 300 }, (_, i) => pulumi.output(`late-${i}`));
      expect(() => new EcrCleanupPolicy("late", { policies: [policyWith(pending)] })).to.throw(
        pulumi.ResourceError, /300 names not known yet are counted at ECR's maximum of 256 characters/);
    });

    it("the component attaches one managed policy per part, each within the limit, with every name once", async () => {
      const all = names(150);
      const { rec } = await deploy("parts", { policies: [policyWith(all)] });
      const parts = rec.ofType(T.managedPolicy);
      expect(parts.map((p) => p.name)).to.deep.equal(["parts-repositories-1", "parts-repositories-2", "parts-repositories-3"]);
      const attachments = rec.ofType(T.policyAttachment);
      expect(attachments.map((a) => a.inputs.policyArn)).to.deep.equal(parts.map((p) => p.state.arn));
      for (const a of attachments) expect(a.inputs.role).to.equal(rec.named("parts-role").state.name);
      for (const p of parts) expect(policySize(p.inputs.policy)).to.be.at.most(MANAGED_POLICY_LIMIT);
      const granted = parts.flatMap((p) => statements(p).flatMap((s) => s.Resource));
      expect(granted.sort()).to.deep.equal(all.map((n) => repositoryArn(SCOPE, n)).sort());
      // The schedule (the first run) waits for every attachment.
      expect(policySize(rec.named("parts-policy").inputs.policy)).to.be.at.most(ROLE_INLINE_POLICIES_LIMIT);
    });

    it("writes names that are Outputs once known, in the part the layout gave them", async () => {
      const { rec } = await deploy("outs", { policies: [policyWith([pulumi.output("late-a"), "known", pulumi.output("known")])] });
      const [part] = rec.ofType(T.managedPolicy);
      expect(statements(part)[0].Resource).to.deep.equal([repositoryArn(SCOPE, "known"), repositoryArn(SCOPE, "late-a")]);
      expect(await valueOf(pulumi.output(part.inputs.policy))).to.be.a("string");
    });
  });

  describe("the inline policy", () => {
    it("stays within the role's 10,240 characters; a larger one is refused with its size and largest statements", () => {
      const policies = validateConfig([{ name: "p", significant_tags: "*", protected_period: 1, protected_count: 1, repositories: ["r"] }], "t", "snake").policies;
      const document = cleanerPolicyDocument({ scope: SCOPE, policies, settings: { inUse: defaultInUse() }, logGroupArn: "arn:lg", cursorParameterArn: "arn:c", fanOutBucketArn: "arn:b" });
      expect(inlinePolicySizeProblem(document)).to.equal(undefined);
      const big = policyDocument([{ Sid: "Huge", Effect: "Allow", Action: "sts:AssumeRole", Resource: names(400).map((n) => `arn:aws:iam::${ACCOUNT_ID}:role/${n}`) }]);
      expect(inlinePolicySizeProblem(big)).to.match(/^the function's inline IAM policy takes \d+ characters, more than IAM's 10240 for a role's inline policies \(largest statements: Huge \d+\): /);
    });

    it("measures as IAM does, white space not counted", () => {
      expect(policySize('{ "a" : [ "b" ,\n"c" ] }')).to.equal('{"a":["b","c"]}'.length);
    });
  });
});
