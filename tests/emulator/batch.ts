/**
 * AWS Batch for the emulator (API version 2016-08-10, REST-JSON): the job definitions of one account and region, and
 * DescribeJobDefinitions (POST /v1/describejobdefinitions) with the limits and errors of the Batch API reference:
 * maxResults 1 to 100 (100 without it), `jobDefinitions` (up to 100, "can't be used with other parameters"),
 * `jobDefinitionName`, `status`; ClientException (400) and ServerException (500), `{message}` bodies.
 */
import { paginate } from "./paging";
import { AwsError, type Json, type ProtocolErrors, type RequestContext } from "./protocol";
import type { RestRoute } from "./server";

export interface StoredJobDefinition {
  name: string;
  revision: number;
  arn: string;
  status: "ACTIVE" | "INACTIVE";
  type: "container" | "multinode";
  /** What the definition is made of, as Batch returns it: containerProperties, nodeProperties, eksProperties, ecsProperties. */
  properties: Json;
  seq: number;
}

export class BatchState {
  private readonly definitions: StoredJobDefinition[] = [];
  private seq = 0;

  constructor(readonly account: string, readonly region: string) {}

  /** Registers the next revision of `name` and returns it. */
  registerJobDefinition(name: string, properties: Json, type: StoredJobDefinition["type"] = properties.nodeProperties ? "multinode" : "container"): StoredJobDefinition {
    const revision = this.definitions.filter((d) => d.name === name).length + 1;
    const definition: StoredJobDefinition = {
      name, revision, arn: `arn:aws:batch:${this.region}:${this.account}:job-definition/${name}:${revision}`, status: "ACTIVE", type, properties, seq: ++this.seq,
    };
    this.definitions.push(definition);
    return definition;
  }

  deregisterJobDefinition(arn: string): void {
    const definition = this.definitions.find((d) => d.arn === arn);
    if (!definition) throw new Error(`no job definition ${arn}`);
    definition.status = "INACTIVE";
  }

  all(): StoredJobDefinition[] {
    return [...this.definitions];
  }

  clear(): void {
    this.definitions.length = 0;
  }
}

const clientError = (message: string) => new AwsError("ClientException", message, 400, { body: { message } });

export const BATCH_ERRORS: ProtocolErrors = {
  throttle: () => new AwsError("TooManyRequestsException", "Too Many Requests", 429, { body: { message: "Too Many Requests" } }),
  server: (message) => new AwsError("ServerException", message, 500, { body: { message } }),
};

export function batchRoutes(env: { batchFor(ctx: RequestContext): BatchState }): RestRoute[] {
  return [
    {
      operation: "DescribeJobDefinitions",
      method: "POST",
      path: /^\/v1\/describejobdefinitions$/,
      errors: BATCH_ERRORS,
      handle({ body }, ctx) {
        const state = env.batchFor(ctx);
        const { maxResults, nextToken, status, jobDefinitionName, jobDefinitions } = body as {
          maxResults?: unknown; nextToken?: unknown; status?: unknown; jobDefinitionName?: unknown; jobDefinitions?: unknown;
        };
        if (maxResults !== undefined && (typeof maxResults !== "number" || !Number.isInteger(maxResults) || maxResults < 1 || maxResults > 100)) {
          throw clientError("maxResults must be between 1 and 100");
        }
        if (jobDefinitions !== undefined && (maxResults !== undefined || status !== undefined || jobDefinitionName !== undefined || nextToken !== undefined)) {
          throw clientError("jobDefinitions can't be used with other parameters");
        }
        if (Array.isArray(jobDefinitions) && jobDefinitions.length > 100) throw clientError("jobDefinitions can have at most 100 entries");
        const wanted = Array.isArray(jobDefinitions) ? new Set(jobDefinitions.map(String)) : undefined;
        const matches = state.all().filter((d) =>
          (status === undefined || d.status === status) &&
          (jobDefinitionName === undefined || d.name === jobDefinitionName) &&
          (!wanted || wanted.has(d.arn) || wanted.has(`${d.name}:${d.revision}`)));
        const page = paginate(() => matches, (d) => [d.seq, ""], {
          scope: `DescribeJobDefinitions/${state.account}/${state.region}/${String(status)}/${String(jobDefinitionName)}`,
          maxResults: (maxResults as number | undefined) ?? 100,
          nextToken: typeof nextToken === "string" ? nextToken : undefined,
          invalidToken: () => clientError("Invalid nextToken"),
        });
        return {
          jobDefinitions: page.items.map((d) => ({
            jobDefinitionName: d.name, jobDefinitionArn: d.arn, revision: d.revision, status: d.status, type: d.type,
            containerOrchestrationType: d.properties.eksProperties ? "EKS" : "ECS", ...d.properties,
          })),
          nextToken: page.nextToken,
        };
      },
    },
  ];
}
