/**
 * The component's EKS side under Pulumi's mocks: the access entries and view-policy associations for the clusters
 * it may grant in (by name, in its own account and region), and the function placed in a VPC with exactly the
 * network-interface permissions Lambda needs, in a policy that exists before the function.
 */
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { EcrCleanupPolicy, EcrCleanupPolicyArgs } from "../component";
import { createEksAccess, EKS_VIEW_POLICY_ARN } from "../component/eksAccess";
import { clustersToGrant, eksReadStatements } from "../runtime/iam/inUse";
import { deploy, RELEASES, statements, T } from "./support/component-under-mocks";
import { ACCOUNT_ID, Recorder, valueOf } from "./support/pulumi-mocks";

const ACCESS_ENTRY = "aws:eks/accessEntry:AccessEntry";
const ASSOCIATION = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation";

describe("EcrCleanupPolicy and EKS (Pulumi mocks)", () => {
  describe("access entries", () => {
    it("grants the clusters named by name, each once, and none named by ARN (another account or region)", () => {
      expect(clustersToGrant(["prod", "staging", "prod", "arn:aws:eks:us-east-1:210987654321:cluster/theirs"])).to.deep.equal(["prod", "staging"]);
      expect(clustersToGrant([])).to.deep.equal([]);
    });

    it("creates, per cluster, an access entry for the role and the AmazonEKSViewPolicy association at cluster scope", async () => {
      const rec = new Recorder();
      await rec.install();
      const parent = new pulumi.ComponentResource("test:index:Parent", "owner");
      const roleArn = `arn:aws:iam::${ACCOUNT_ID}:role/cleaner`;
      const created = createEksAccess("owner", { clusters: ["prod", "arn:aws:eks:eu-west-1:1:cluster/x", "dev"], principalArn: roleArn, tags: { team: "p" } }, parent);
      await Promise.all(created.map((r) => valueOf(r.urn)));
      const children = rec.resources.filter((r) => r.type !== "test:index:Parent").sort((a, b) => (a.name < b.name ? -1 : 1));
      expect(children.map((r) => [r.type, r.name, r.inputs])).to.deep.equal([
        [ACCESS_ENTRY, "owner-eks-dev", { clusterName: "dev", principalArn: roleArn, type: "STANDARD", tags: { team: "p" } }],
        [ASSOCIATION, "owner-eks-dev-view", { clusterName: "dev", principalArn: roleArn, policyArn: EKS_VIEW_POLICY_ARN, accessScope: { type: "cluster" } }],
        [ACCESS_ENTRY, "owner-eks-prod", { clusterName: "prod", principalArn: roleArn, type: "STANDARD", tags: { team: "p" } }],
        [ASSOCIATION, "owner-eks-prod-view", { clusterName: "prod", principalArn: roleArn, policyArn: EKS_VIEW_POLICY_ARN, accessScope: { type: "cluster" } }],
      ]);
      expect(EKS_VIEW_POLICY_ARN).to.equal("arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy");
    });
  });

  describe("through the component", () => {
    const THEIRS = "arn:aws:eks:us-east-1:210987654321:cluster/theirs";

    it("eksClusters by name: an access entry and its view association per cluster, and DescribeCluster on exactly those", async () => {
      const { rec } = await deploy("shop", { eksClusters: ["prod", THEIRS] });
      const roleArn = `arn:aws:iam::${ACCOUNT_ID}:role/shop-role-0a1b2c3`;
      expect(rec.resources.filter((r) => r.type === ACCESS_ENTRY || r.type === ASSOCIATION).map((r) => [r.type, r.name, r.inputs])).to.deep.equal([
        [ACCESS_ENTRY, "shop-eks-prod", { clusterName: "prod", principalArn: roleArn, type: "STANDARD" }],
        [ASSOCIATION, "shop-eks-prod-view", { clusterName: "prod", principalArn: roleArn, policyArn: EKS_VIEW_POLICY_ARN, accessScope: { type: "cluster" } }],
      ]);
      const own = statements(rec.named("shop-policy")).filter((s) => String(s.Sid).includes("Eks"));
      expect(own).to.deep.equal([
        { Sid: "ListEksClusters", Effect: "Allow", Action: "eks:ListClusters", Resource: "*" },
        { Sid: "DescribeEksClusters", Effect: "Allow", Action: "eks:DescribeCluster", Resource: `arn:aws:eks:eu-west-1:${ACCOUNT_ID}:cluster/prod` },
      ]);
    });

    it("EKS off: no access entry and no EKS action; eksClusters with it off is refused", async () => {
      const { rec } = await deploy("off", { inUseEks: false });
      expect(rec.resources.filter((r) => r.type === ACCESS_ENTRY || r.type === ASSOCIATION)).to.deep.equal([]);
      expect(statements(rec.named("off-policy")).flatMap((s) => [s.Action].flat()).filter((a: string) => a.startsWith("eks:"))).to.deep.equal([]);
      await new Recorder().install();
      expect(() => new EcrCleanupPolicy("both", { policies: [RELEASES], inUseEks: false, eksClusters: ["prod"] }))
        .to.throw(pulumi.ResourceError, 'EcrCleanupPolicy "both": field eksClusters: names clusters, but inUseEks is false: remove one of the two');
    });
  });

  describe("IAM", () => {
    const scope = { partition: "aws", region: "eu-west-1", accountId: ACCOUNT_ID };
    const list = { Sid: "ListEksClusters", Effect: "Allow", Action: "eks:ListClusters", Resource: "*" };
    const table: [string, Parameters<typeof eksReadStatements>[0]["inUse"], unknown[]][] = [
      ["off: nothing", { eks: false }, []],
      ["every cluster of the region", { eks: true }, [list, { Sid: "DescribeEksClusters", Effect: "Allow", Action: "eks:DescribeCluster", Resource: `arn:aws:eks:eu-west-1:${ACCOUNT_ID}:cluster/*` }]],
      [
        "every cluster of each region read",
        { eks: true, regions: ["us-east-1", "eu-west-1"] },
        [list, { Sid: "DescribeEksClusters", Effect: "Allow", Action: "eks:DescribeCluster", Resource: [`arn:aws:eks:eu-west-1:${ACCOUNT_ID}:cluster/*`, `arn:aws:eks:us-east-1:${ACCOUNT_ID}:cluster/*`] }],
      ],
      [
        "only the clusters named: by name in each region, by ARN in this account; another account's are that account's role's",
        { eks: true, regions: ["us-east-1"], eksClusters: ["prod", `arn:aws:eks:ap-south-1:${ACCOUNT_ID}:cluster/x`, "arn:aws:eks:us-east-1:210987654321:cluster/theirs"] },
        [
          list,
          {
            Sid: "DescribeEksClusters",
            Effect: "Allow",
            Action: "eks:DescribeCluster",
            Resource: [`arn:aws:eks:ap-south-1:${ACCOUNT_ID}:cluster/x`, `arn:aws:eks:eu-west-1:${ACCOUNT_ID}:cluster/prod`, `arn:aws:eks:us-east-1:${ACCOUNT_ID}:cluster/prod`],
          },
        ],
      ],
      ["only another account's clusters: ListClusters alone", { eks: true, eksClusters: ["arn:aws:eks:us-east-1:210987654321:cluster/theirs"] }, [list]],
    ];
    for (const [title, inUse, expected] of table) {
      it(`EKS reads: ${title}`, () => {
        expect(eksReadStatements({ scope, inUse })).to.deep.equal(expected);
      });
    }
  });

  describe("VPC", () => {
    const VPC = { vpcSubnetIds: ["subnet-1", "subnet-2"], vpcSecurityGroupIds: ["sg-1"] };

    it("places the function in the subnets and security groups, after a policy with the network-interface actions", async () => {
      const { rec } = await deploy("private", VPC);
      const fn = rec.one(T.fn);
      expect(fn.inputs.vpcConfig).to.deep.equal({ subnetIds: ["subnet-1", "subnet-2"], securityGroupIds: ["sg-1"] });
      const policy = rec.named("private-vpc-policy");
      expect(policy.type).to.equal(T.rolePolicy);
      expect(policy.inputs.role).to.equal("private-role-0a1b2c3-id");
      expect(statements(policy)).to.deep.equal([
        {
          Sid: "ManageVpcNetworkInterfaces",
          Effect: "Allow",
          Action: [
            "ec2:AssignPrivateIpAddresses",
            "ec2:CreateNetworkInterface",
            "ec2:DeleteNetworkInterface",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DescribeSubnets",
            "ec2:UnassignPrivateIpAddresses",
          ],
          Resource: "*",
        },
      ]);
      // Lambda checks the role's EC2 permissions when it creates the function: the policy is registered first.
      expect(rec.resources.indexOf(policy)).to.be.below(rec.resources.indexOf(fn));
      expect(rec.counts()[T.rolePolicy]).to.equal(3);
      // The function's own policy grants no EC2 action.
      const own = statements(rec.named("private-policy")).flatMap((s) => [s.Action].flat());
      expect(own.filter((a: string) => a.startsWith("ec2:"))).to.deep.equal([]);
    });

    it("without the args: no VPC, no EC2 permission", async () => {
      const { rec } = await deploy("public");
      expect(rec.one(T.fn).inputs.vpcConfig).to.equal(undefined);
      expect(rec.resources.map((r) => r.name)).to.not.include("public-vpc-policy");
    });

    function construct(args: Partial<EcrCleanupPolicyArgs>): () => EcrCleanupPolicy {
      return () => new EcrCleanupPolicy("bad", { policies: [RELEASES], ...args });
    }

    it("refuses one of the two args without the other, and empty lists", async () => {
      await new Recorder().install();
      expect(construct({ vpcSubnetIds: ["subnet-1"] })).to.throw(pulumi.ResourceError, /vpcSubnetIds and vpcSecurityGroupIds go together/);
      expect(construct({ vpcSecurityGroupIds: ["sg-1"] })).to.throw(pulumi.ResourceError, /vpcSubnetIds and vpcSecurityGroupIds go together/);
      expect(construct({ vpcSubnetIds: [], vpcSecurityGroupIds: ["sg-1"] })).to.throw(pulumi.ResourceError, /vpcSubnetIds must list at least one subnet ID/);
      expect(construct({ vpcSubnetIds: ["subnet-1"], vpcSecurityGroupIds: [] })).to.throw(pulumi.ResourceError, /vpcSecurityGroupIds must list at least one security group ID/);
    });
  });
});
