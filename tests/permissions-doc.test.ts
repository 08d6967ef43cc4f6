/**
 * docs/permissions.md shows the policies the code builds: its generated blocks are what `npm run docs:permissions`
 * writes from runtime/iam/ and component/iam.ts, so a change to a grant that is not regenerated into the page fails here.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { generatedBlocks, PERMISSIONS_PAGE, permissionsPage } from "../scripts/permissions-doc";

describe("docs/permissions.md", () => {
  it("is what npm run docs:permissions writes (run it after changing a grant)", () => {
    const current = readFileSync(PERMISSIONS_PAGE, "utf8");
    expect(current === permissionsPage(current), "docs/permissions.md differs from what `npm run docs:permissions` writes").to.equal(true);
  });

  it("a page whose generated block is stale, or missing, is caught", () => {
    const current = readFileSync(PERMISSIONS_PAGE, "utf8");
    const stale = current.replace('"ecs:ListTaskDefinitions",\n', "");
    expect(stale).to.not.equal(current);
    expect(permissionsPage(stale)).to.not.equal(stale);
    expect(() => permissionsPage(current.replace("<!-- generated: cli-policy -->", ""))).to.throw("lacks the generated blocks cli-policy");
  });

  it("the CLI's document lists every in-use source's reads and the image grants", () => {
    const cli = generatedBlocks()["cli-policy"];
    for (const action of ["ecs:ListTaskDefinitionFamilies", "ecs:ListTaskDefinitions", "eks:ListClusters", "eks:DescribeCluster", "apprunner:ListServices", "apprunner:DescribeService",
      "batch:DescribeJobDefinitions", "ecr:BatchDeleteImage", "ecr:UpdateImageStorageClass"]) expect(cli).to.include(`"${action}"`);
  });
});
