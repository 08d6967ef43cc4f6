/**
 * Lambda's time limit in single-function mode (issue 5): the handler, in-process, against the project's emulator
 * (ECR, ECS, Lambda) and moto (SSM, through the real SDK), with the environment the component hands the function.
 * A run with little time left stops starting repositories and reports those it did not reach; the first of them is
 * the cursor in the SSM parameter, where the next run starts, wrapping around, so successive runs reach every
 * repository. No timing: the context's remaining time is scripted.
 */
import { expect } from "chai";
import { DeleteParameterCommand, GetParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import type { RetentionPolicyArgs } from "../component";
import type { AwsClients } from "../runtime/ecr/client";
import { CURSOR_START } from "../runtime/lambda/cursor";
import { createHandler, HandlerResult } from "../runtime/lambda/handler";
import { EcrEmulator, startEcrEmulator } from "./emulator/server";
import { captureLog, destroyAll, emulatorClients, lambdaContext, ssmClientFor, timeFor } from "./support/in-process";
import { deployedFunction, Deployment, scheduledEvent, withoutReports } from "./support/lambda-invoke";
import { motoForSuite } from "./support/moto-suite";

const CLOCK = new Date("2030-01-10T12:00:00Z");
const PUSHED = new Date("2029-12-01T00:00:00Z");
const REPOSITORIES = ["team/a", "team/b", "team/c", "team/d", "team/e"];
const day = (n: number) => `2030-01-0${n}T03:00:00Z`;

const POLICIES: RetentionPolicyArgs[] = [
  { name: "flush", repositories: ["team/*"], significantTags: ["*"], protectedPeriod: "1d", protectedCount: 1 },
];

describe("single-function mode: the time limit and the cursor (emulator, moto for SSM)", function () {
  const aws = motoForSuite();
  let emulator: EcrEmulator;
  let clients: AwsClients;
  let ssm: SSMClient;

  before(() => {
    ssm = ssmClientFor(aws.moto.endpoint);
  });
  after(() => ssm?.destroy());
  beforeEach(async () => {
    emulator = await startEcrEmulator({ clock: () => PUSHED });
    for (const repository of REPOSITORIES) {
      emulator.registry.createRepository(repository);
      for (let i = 0; i < 3; i++) emulator.registry.putImage(repository, { pushedAt: new Date(PUSHED.getTime() + i * 60_000) });
    }
    clients = emulatorClients(emulator.endpoint);
  });
  afterEach(async () => {
    destroyAll(Object.values(clients ?? {}));
    await emulator.stop();
  });

  /** The component's function under mocks, its cursor parameter created in moto as a deployment creates it. */
  async function deploy(name: string, args: { dryRun?: boolean } = {}): Promise<Deployment> {
    const deployment = withoutReports(await deployedFunction(name, { policies: POLICIES, concurrency: 1, ...args }));
    const { name: parameter, value } = deployment.cursorParameter!;
    await ssm.send(new PutParameterCommand({ Name: parameter, Value: value, Type: "String" }));
    return deployment;
  }

  function handlerFor(deployment: Deployment, ssmClient: SSMClient = ssm) {
    return createHandler({ env: () => deployment.environment, clients: () => clients, ssm: () => ssmClient, clock: () => CLOCK });
  }

  async function storedCursor(deployment: Deployment): Promise<string | undefined> {
    return (await ssm.send(new GetParameterCommand({ Name: deployment.cursorParameter!.name }))).Parameter?.Value;
  }

  async function run(deployment: Deployment, when: string, remaining: () => number): Promise<{ result: HandlerResult; lines: any[] }> {
    return captureLog(() => handlerFor(deployment)(scheduledEvent(deployment.scheduleInput, when), lambdaContext(remaining)));
  }

  const reached = (lines: any[]) => lines.filter((l) => l.type === "repository").map((l) => l.repository);

  it("the component starts the cursor at the start, and names the parameter in the function's environment", async () => {
    const deployment = await deploy("cursor-env");
    expect(deployment.cursorParameter!.value).to.equal(CURSOR_START);
    expect(deployment.environment.ECR_CLEANUP_CURSOR_PARAMETER).to.equal(deployment.cursorParameter!.name);
    expect(deployment.environment.ECR_CLEANUP_CONCURRENCY).to.equal("1");
  });

  it("with less than the safety margin left, starts no repository, reports all as not reached, and keeps the first as the cursor", async () => {
    const deployment = await deploy("cursor-none");
    const { result, lines } = await run(deployment, day(1), () => 1_000);
    expect(reached(lines)).to.deep.equal([]);
    expect(result.notReached).to.deep.equal(REPOSITORIES);
    expect(result.summary).to.include({ repositories: 0, imagesScanned: 0, repositoriesNotReached: 5, failures: 0 });
    expect(result.cursor).to.equal("team/a");
    expect(await storedCursor(deployment)).to.equal("team/a");
    // The summary line says what was not reached; the EMF document counts it.
    expect(lines.find((l) => l.type === "summary")).to.deep.include({ notReached: REPOSITORIES, repositoriesNotReached: 5 });
    expect(lines.find((l) => l._aws)).to.include({ RepositoriesNotReached: 5 });
    expect(emulator.calls.DescribeImages ?? 0).to.equal(0);
  });

  it("out of time mid-run, stops cleanly: what it started is reported whole, the rest as not reached", async () => {
    const deployment = await deploy("cursor-some", { dryRun: false });
    const { result, lines } = await run(deployment, day(1), timeFor(2));
    expect(reached(lines)).to.deep.equal(["team/a", "team/b"]);
    expect(result.notReached).to.deep.equal(["team/c", "team/d", "team/e"]);
    expect(result.summary).to.include({ repositories: 2, toDelete: 4, deleted: 4, repositoriesNotReached: 3, failures: 0 });
    expect(result.cursor).to.equal("team/c");
    expect(await storedCursor(deployment)).to.equal("team/c");
    for (const repository of ["team/a", "team/b"]) expect(emulator.registry.images(repository), repository).to.have.length(1);
    for (const repository of ["team/c", "team/d", "team/e"]) expect(emulator.registry.images(repository), repository).to.have.length(3);
  });

  it("across runs on successive dates, every repository is reached: each run starts at the cursor and wraps around", async () => {
    const deployment = await deploy("cursor-wrap");
    const runs: { reached: string[]; cursor?: string; now: string }[] = [];
    for (const n of [1, 2, 3]) {
      const { result, lines } = await run(deployment, day(n), timeFor(2));
      runs.push({ reached: reached(lines), cursor: result.cursor, now: result.now });
    }
    expect(runs).to.deep.equal([
      { reached: ["team/a", "team/b"], cursor: "team/c", now: "2030-01-01T03:00:00.000Z" },
      { reached: ["team/c", "team/d"], cursor: "team/e", now: "2030-01-02T03:00:00.000Z" },
      // From team/e to the end, then around to the first.
      { reached: ["team/e", "team/a"], cursor: "team/b", now: "2030-01-03T03:00:00.000Z" },
    ]);
    expect(new Set(runs.flatMap((r) => r.reached))).to.deep.equal(new Set(REPOSITORIES));
    expect(await storedCursor(deployment)).to.equal("team/b");
  });

  it("a run that reaches every repository puts the cursor back to the start; an unchanged cursor is not written", async () => {
    const deployment = await deploy("cursor-reset");
    await ssm.send(new PutParameterCommand({ Name: deployment.cursorParameter!.name, Value: "team/d", Type: "String", Overwrite: true }));
    const { result, lines } = await run(deployment, day(1), () => 900_000);
    expect(reached(lines)).to.deep.equal(["team/d", "team/e", "team/a", "team/b", "team/c"]);
    expect(result.notReached).to.deep.equal([]);
    expect(result.cursor).to.equal(undefined);
    expect(await storedCursor(deployment)).to.equal(CURSOR_START);

    const calls: string[] = [];
    const counting = { send: (command: { constructor: { name: string } }) => (calls.push(command.constructor.name), ssm.send(command as never)) } as unknown as SSMClient;
    await captureLog(() => handlerFor(deployment, counting)(scheduledEvent(deployment.scheduleInput, day(2)), lambdaContext()));
    expect(calls).to.deep.equal(["GetParameterCommand"]);
  });

  it("a cursor that cannot be read: the run starts at the first repository and says so", async () => {
    const deployment = await deploy("cursor-gone");
    await ssm.send(new DeleteParameterCommand({ Name: deployment.cursorParameter!.name }));
    const { result, lines } = await run(deployment, day(1), timeFor(1));
    expect(reached(lines)).to.deep.equal(["team/a"]);
    expect(result.warnings.join("\n")).to.match(/cannot read the cursor from SSM parameter cursor-gone-cursor-\w+ \(ParameterNotFound: .*\): this run starts at the first repository/);
    // Written anew, so the next run resumes.
    expect(await storedCursor(deployment)).to.equal("team/b");
  });

  it("a cursor that cannot be stored is a failure of the run (the next run would not resume)", async () => {
    const deployment = await deploy("cursor-denied");
    const denied = {
      send: async (command: { constructor: { name: string } }) => {
        if (command.constructor.name === "PutParameterCommand") throw Object.assign(new Error("not authorized to perform ssm:PutParameter"), { name: "AccessDeniedException" });
        return ssm.send(command as never);
      },
    } as unknown as SSMClient;
    const { result } = await captureLog(() => handlerFor(deployment, denied)(scheduledEvent(deployment.scheduleInput, day(1)), lambdaContext(timeFor(1))));
    expect(result.summary.failures).to.equal(1);
    expect(result.errors).to.deep.equal([{
      kind: "api-error",
      code: "AccessDeniedException",
      message: `cannot store the cursor in SSM parameter ${deployment.cursorParameter!.name} (not authorized to perform ssm:PutParameter): the next run may not start where this one stopped`,
    }]);
  });
});
