/**
 * settings.in_use (spec section 4, rule 1): the keys are exactly the spec's, with their defaults, in snake_case in
 * the YAML and camelCase in the component; every bad value is a configuration error naming the field.
 */
import { expect } from "chai";
import { ConfigError } from "../runtime/config/errors";
import { defaultInUse, inUseYaml, InUseSettings } from "../runtime/config/inUseSettings";
import { parseConfig } from "../runtime/config/load";
import { validateConfig } from "../runtime/config/schema";

const FILE = "policies.yaml";
const POLICY = "policies:\n  - name: p\n    protected_period: 1\n    protected_count: 1\n    significant_tags: '*'\n";
const withInUse = (yaml: string) => `${POLICY}settings:\n  in_use:\n${yaml.replace(/^/gm, "    ")}\n`;
const ROLE = "arn:aws:iam::210987654321:role/ecr-cleanup-read";

function errorLines(text: string): string[] {
  try {
    parseConfig(text, FILE);
  } catch (err) {
    if (err instanceof ConfigError) return err.message.split("\n");
    throw err;
  }
  throw new Error("no configuration error");
}

describe("settings.in_use", () => {
  it("defaults: every source on, rollback depth 2, the registry's own region, no other account", () => {
    expect(parseConfig(POLICY, FILE).settings.inUse).to.deep.equal({
      ecs: true, lambda: true, eks: true, appRunner: true, batch: true, ecsRevisions: 2, accounts: [],
    });
  });

  const accepted: { title: string; yaml: string; expected: Partial<InUseSettings> }[] = [
    { title: "each source turned off", yaml: "ecs: false\nlambda: false\neks: false\napp_runner: false\nbatch: false", expected: { ecs: false, lambda: false, eks: false, appRunner: false, batch: false } },
    { title: "eks_clusters by name and by ARN", yaml: "eks_clusters: [prod, arn:aws:eks:eu-west-1:123456789012:cluster/staging-2]", expected: { eksClusters: ["prod", "arn:aws:eks:eu-west-1:123456789012:cluster/staging-2"] } },
    { title: "ecs_revisions 0 turns rollback depth off", yaml: "ecs_revisions: 0", expected: { ecsRevisions: 0 } },
    { title: "ecs_revisions 100", yaml: "ecs_revisions: 100", expected: { ecsRevisions: 100 } },
    { title: "regions", yaml: "regions: [us-east-1, eu-west-1, us-gov-west-1]", expected: { regions: ["us-east-1", "eu-west-1", "us-gov-west-1"] } },
    {
      title: "accounts with and without an external id",
      yaml: `accounts:\n  - role_arn: ${ROLE}\n  - role_arn: arn:aws-cn:iam::111122223333:role/path/reader\n    external_id: "ext-Id_1+=,.@:/-"`,
      expected: { accounts: [{ roleArn: ROLE }, { roleArn: "arn:aws-cn:iam::111122223333:role/path/reader", externalId: "ext-Id_1+=,.@:/-" }] },
    },
  ];
  for (const c of accepted) {
    it(`accepts ${c.title}`, () => {
      expect(parseConfig(withInUse(c.yaml), FILE).settings.inUse).to.deep.equal({ ...defaultInUse(), ...c.expected });
    });
  }

  const rejected: { title: string; yaml: string; lines: string[] }[] = [
    { title: "an unknown key", yaml: "ec2: false", lines: [`${FILE}: field settings.in_use.ec2: unknown field`] },
    { title: "a camelCase key in the YAML", yaml: "appRunner: false", lines: [`${FILE}: field settings.in_use.appRunner: unknown field; did you mean app_runner?`] },
    { title: "a flag that is not a boolean", yaml: "batch: yes", lines: [`${FILE}: field settings.in_use.batch: must be true or false; got "yes"`] },
    { title: "eks_clusters that is not a list", yaml: "eks_clusters: prod", lines: [`${FILE}: field settings.in_use.eks_clusters: must be a list of EKS cluster names or ARNs; got "prod"`] },
    { title: "an impossible cluster name", yaml: "eks_clusters: [-prod]", lines: [`${FILE}: field settings.in_use.eks_clusters: each entry must be an EKS cluster name or ARN (arn:aws:eks:REGION:ACCOUNT:cluster/NAME); got "-prod"`] },
    { title: "an empty eks_clusters", yaml: "eks_clusters: []", lines: [`${FILE}: field settings.in_use.eks_clusters: must name at least one cluster (to read no EKS cluster, set eks: false)`] },
    { title: "eks_clusters with eks off", yaml: "eks: false\neks_clusters: [prod]", lines: [`${FILE}: field settings.in_use.eks_clusters: names clusters, but eks is false: remove one of the two`] },
    { title: "a negative ecs_revisions", yaml: "ecs_revisions: -1", lines: [`${FILE}: field settings.in_use.ecs_revisions: must be a whole number from 0 (off) to 100; got -1`] },
    { title: "a fractional ecs_revisions", yaml: "ecs_revisions: 1.5", lines: [`${FILE}: field settings.in_use.ecs_revisions: must be a whole number from 0 (off) to 100; got 1.5`] },
    { title: "ecs_revisions above 100", yaml: "ecs_revisions: 101", lines: [`${FILE}: field settings.in_use.ecs_revisions: must be a whole number from 0 (off) to 100; got 101`] },
    { title: "a region that is no region", yaml: "regions: [us-east]", lines: [`${FILE}: field settings.in_use.regions: each entry must be an AWS region name such as us-east-1; got "us-east"`] },
    { title: "a region listed twice", yaml: "regions: [eu-west-1, eu-west-1]", lines: [`${FILE}: field settings.in_use.regions: lists "eu-west-1" twice`] },
    { title: "no region", yaml: "regions: []", lines: [`${FILE}: field settings.in_use.regions: must list at least one region (leave it out to read the registry's own region only)`] },
    { title: "accounts that is not a list", yaml: `accounts: ${ROLE}`, lines: [`${FILE}: field settings.in_use.accounts: must be a list of mappings with role_arn: (and an optional external_id:)`] },
    { title: "an account without role_arn", yaml: "accounts:\n  - external_id: abc", lines: [`${FILE}: field settings.in_use.accounts[0].role_arn: is required`] },
    { title: "a user ARN instead of a role", yaml: "accounts:\n  - role_arn: arn:aws:iam::210987654321:user/bob", lines: [`${FILE}: field settings.in_use.accounts[0].role_arn: must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME); got "arn:aws:iam::210987654321:user/bob"`] },
    { title: "the same role twice", yaml: `accounts:\n  - role_arn: ${ROLE}\n  - role_arn: ${ROLE}`, lines: [`${FILE}: field settings.in_use.accounts[1].role_arn: names the same role as accounts[0]`] },
    { title: "an external id STS refuses", yaml: `accounts:\n  - role_arn: ${ROLE}\n    external_id: "a b"`, lines: [`${FILE}: field settings.in_use.accounts[0].external_id: must be 2 to 1224 letters, digits or any of _+=,.@:/- (what STS accepts); got "a b"`] },
    { title: "an unknown account key", yaml: `accounts:\n  - role_arn: ${ROLE}\n    session: x`, lines: [`${FILE}: field settings.in_use.accounts[0].session: unknown field`] },
    {
      title: "every problem at once",
      yaml: "lambda: 1\necs_revisions: x\nregions: nowhere",
      lines: [
        `${FILE}: field settings.in_use.lambda: must be true or false; got 1`,
        `${FILE}: field settings.in_use.ecs_revisions: must be a whole number from 0 (off) to 100; got "x"`,
        `${FILE}: field settings.in_use.regions: must be a list of AWS region names; got "nowhere"`,
      ],
    },
  ];
  for (const c of rejected) {
    it(`rejects ${c.title}`, () => {
      expect(errorLines(withInUse(c.yaml))).to.deep.equal(c.lines);
    });
  }

  it("the component's camelCase names the camelCase fields", () => {
    const policies = [{ name: "p", protectedPeriod: "1d", protectedCount: 1, significantTags: ["*"] }];
    const settings = { inUse: { appRunner: false, eksClusters: ["prod"], ecsRevisions: 3, regions: ["eu-west-1"], accounts: [{ roleArn: ROLE, externalId: "xyz" }] } };
    expect(validateConfig({ policies, settings }, "EcrCleanupPolicy c", "camel").settings.inUse).to.deep.equal({
      ...defaultInUse(), appRunner: false, eksClusters: ["prod"], ecsRevisions: 3, regions: ["eu-west-1"], accounts: [{ roleArn: ROLE, externalId: "xyz" }],
    });
    expect(() => validateConfig({ policies, settings: { inUse: { app_runner: false, accounts: [{ role_arn: ROLE }] } } }, "EcrCleanupPolicy c", "camel"))
      .to.throw(ConfigError)
      .with.property("message", [
        "EcrCleanupPolicy c: field settings.inUse.app_runner: unknown field; did you mean appRunner?",
        "EcrCleanupPolicy c: field settings.inUse.accounts[0].role_arn: unknown field; did you mean roleArn?",
        "EcrCleanupPolicy c: field settings.inUse.accounts[0].roleArn: is required",
      ].join("\n"));
  });

  it("inUseYaml writes only what differs from the defaults, and parses back to the same settings", () => {
    expect(inUseYaml(defaultInUse())).to.equal(undefined);
    const settings: InUseSettings = { ...defaultInUse(), eks: false, ecsRevisions: 0, regions: ["eu-west-1"], accounts: [{ roleArn: ROLE, externalId: "xyz" }] };
    const yaml = inUseYaml(settings);
    expect(yaml).to.deep.equal({ eks: false, ecs_revisions: 0, regions: ["eu-west-1"], accounts: [{ role_arn: ROLE, external_id: "xyz" }] });
    expect(validateConfig({ policies: [{ name: "p", protected_period: 1, protected_count: 1, significant_tags: "*" }], settings: { in_use: yaml } }, "env").settings.inUse).to.deep.equal(settings);
  });
});
