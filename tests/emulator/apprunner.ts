/**
 * App Runner for the emulator (API version 2020-05-15, AWS JSON 1.0, target prefix `AppRunner`): the services of one
 * account and region, and the two reads in-use detection makes, ListServices and DescribeService, with the limits and
 * errors of the App Runner API reference (MaxResults 1 to 20; InvalidRequestException, ResourceNotFoundException,
 * InternalServiceErrorException).
 */
import { randomBytes } from "node:crypto";
import { paginate } from "./paging";
import { AwsError, epochSeconds, type JsonOperation, type ProtocolErrors, type RequestContext } from "./protocol";
import { int, str } from "./validate";

export const APP_RUNNER_TARGET_PREFIX = "AppRunner";

export type AppRunnerStatus = "CREATE_FAILED" | "RUNNING" | "DELETED" | "DELETE_FAILED" | "PAUSED" | "OPERATION_IN_PROGRESS";

export interface StoredAppRunnerService {
  name: string;
  id: string;
  arn: string;
  status: AppRunnerStatus;
  /** The source: an image (`ECR` or `ECR_PUBLIC`), or a code repository (no image). */
  image?: { identifier: string; type: "ECR" | "ECR_PUBLIC" };
  createdAt: Date;
  seq: number;
}

export class AppRunnerState {
  private readonly serviceMap = new Map<string, StoredAppRunnerService>();
  private seq = 0;

  constructor(readonly account: string, readonly region: string, private readonly now: () => Date) {}

  createService(seed: { name: string; image?: string; imageRepositoryType?: "ECR" | "ECR_PUBLIC"; status?: AppRunnerStatus }): StoredAppRunnerService {
    const id = randomBytes(16).toString("hex");
    const service: StoredAppRunnerService = {
      name: seed.name,
      id,
      arn: `arn:aws:apprunner:${this.region}:${this.account}:service/${seed.name}/${id}`,
      status: seed.status ?? "RUNNING",
      image: seed.image === undefined ? undefined : { identifier: seed.image, type: seed.imageRepositoryType ?? "ECR" },
      createdAt: this.now(),
      seq: ++this.seq,
    };
    this.serviceMap.set(service.arn, service);
    return service;
  }

  services(): StoredAppRunnerService[] {
    return [...this.serviceMap.values()];
  }

  service(arn: string): StoredAppRunnerService | undefined {
    return this.serviceMap.get(arn);
  }

  clear(): void {
    this.serviceMap.clear();
  }
}

export const APP_RUNNER_ERRORS: ProtocolErrors = {
  // App Runner models no throttling error; its rate limits answer with the generic ThrottlingException.
  throttle: () => new AwsError("ThrottlingException", "Rate exceeded"),
  server: (message) => new AwsError("InternalServiceErrorException", message, 500),
};

export function appRunnerOperations(env: { appRunnerFor(ctx: RequestContext): AppRunnerState }): Record<string, JsonOperation> {
  return {
    ListServices(input, ctx) {
      const maxResults = invalidRequest(() => int(input, "MaxResults", 1, 20));
      const nextToken = str(input, "NextToken");
      const state = env.appRunnerFor(ctx);
      const page = paginate(() => state.services(), (s) => [s.seq, ""], {
        scope: `ListServices/${state.account}/${state.region}`,
        maxResults: maxResults ?? 20,
        nextToken,
        invalidToken: () => new AwsError("InvalidRequestException", "Invalid NextToken"),
      });
      return {
        ServiceSummaryList: page.items.map((s) => ({
          ServiceName: s.name, ServiceId: s.id, ServiceArn: s.arn, ServiceUrl: `${s.id}.${state.region}.awsapprunner.com`,
          CreatedAt: epochSeconds(s.createdAt), UpdatedAt: epochSeconds(s.createdAt), Status: s.status,
        })),
        NextToken: page.nextToken,
      };
    },

    DescribeService(input, ctx) {
      const arn = str(input, "ServiceArn");
      if (arn === undefined) throw new AwsError("InvalidRequestException", "ServiceArn is required");
      const service = env.appRunnerFor(ctx).service(arn);
      if (!service) throw new AwsError("ResourceNotFoundException", `Resource ${arn} is not found`);
      const source = service.image
        ? { ImageRepository: { ImageIdentifier: service.image.identifier, ImageRepositoryType: service.image.type, ImageConfiguration: { Port: "8080" } }, AutoDeploymentsEnabled: false }
        : { CodeRepository: { RepositoryUrl: "https://github.com/example/app", SourceCodeVersion: { Type: "BRANCH", Value: "main" } } };
      return {
        Service: {
          ServiceName: service.name, ServiceId: service.id, ServiceArn: service.arn, ServiceUrl: `${service.id}.${service.arn.split(":")[3]}.awsapprunner.com`,
          CreatedAt: epochSeconds(service.createdAt), UpdatedAt: epochSeconds(service.createdAt), Status: service.status,
          SourceConfiguration: source,
          InstanceConfiguration: { Cpu: "1024", Memory: "2048" },
        },
      };
    },
  };
}

/** App Runner answers a constraint violation with InvalidRequestException. */
function invalidRequest<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof AwsError && err.code === "InvalidParameterException") throw new AwsError("InvalidRequestException", err.message);
    throw err;
  }
}
