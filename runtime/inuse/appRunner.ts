/**
 * Images that App Runner deploys (`in-use:app-runner`): every service that is not deleted, by the image reference its
 * source configuration names (App Runner reports a tag, not a digest: the tag is protected, resolved against the
 * listing). ListServices at its maximum page size (20), then DescribeService per service: the summary does not say
 * which image a service runs.
 */
import { AppRunnerClient, DescribeServiceCommand, paginateListServices, type SourceConfiguration } from "@aws-sdk/client-apprunner";
import type { InUseSettings } from "../config/inUseSettings";
import { answerAbout, answerOf, UntrustedAnswerError } from "../shared/answers";
import { trustedPages } from "../shared/pages";
import { mapConcurrent } from "../shared/pool";
import type { Target } from "./targets";
import type { ImageUse } from "./types";

/** "Valid Range: Minimum value of 1. Maximum value of 20." */
const PAGE_SIZE = 20;
const DESCRIBES_AT_ONCE = 8;

/**
 * The image a service's source configuration names. Only a service built from a code repository (CodeRepository and
 * no ImageRepository) names none; a missing source, or an image repository without its identifier, is no answer.
 * Any image reference counts: only this registry's will match.
 */
export function sourceUses(what: string, source: SourceConfiguration | undefined, name: string): ImageUse[] {
  if (!source) throw new UntrustedAnswerError(`${what}: the answer's Service.SourceConfiguration is missing, so what the service runs is unknown and the answer cannot be used`);
  const image = source.ImageRepository;
  if (!image) {
    if (source.CodeRepository) return [];
    throw new UntrustedAnswerError(`${what}: the answer's Service.SourceConfiguration names neither an ImageRepository nor a CodeRepository, so the answer cannot be used`);
  }
  if (!image.ImageIdentifier) {
    throw new UntrustedAnswerError(`${what}: the answer's Service.SourceConfiguration.ImageRepository has no ImageIdentifier, so the image the service runs is unknown and the answer cannot be used`);
  }
  return [{ image: image.ImageIdentifier, reason: "in-use:app-runner", from: `${what} Service.SourceConfiguration.ImageRepository.ImageIdentifier`, workload: `app-runner ${name}` }];
}

export async function readAppRunnerUses(target: Target, _settings: InUseSettings): Promise<ImageUse[]> {
  const client = new AppRunnerClient(target.config);
  try {
    const services: { arn: string; name: string }[] = [];
    const pages = paginateListServices({ client, pageSize: PAGE_SIZE }, {});
    for await (const page of trustedPages(pages, "App Runner ListServices", { items: "ServiceSummaryList", token: "NextToken" })) {
      for (const summary of page.ServiceSummaryList ?? []) {
        // A service that cannot be named cannot be described: what it runs is unknown.
        if (!summary.ServiceArn) throw new UntrustedAnswerError(`App Runner ListServices: a summary has no ServiceArn (service ${summary.ServiceName ?? "with no ServiceName"}), so the answer cannot be used`);
        // A deleted service runs nothing; every other status (running, paused, failing, in an operation) may run or resume.
        if (summary.Status !== "DELETED") services.push({ arn: summary.ServiceArn, name: summary.ServiceName ?? summary.ServiceArn });
      }
    }
    const uses = await mapConcurrent(services, DESCRIBES_AT_ONCE, async ({ arn, name }): Promise<ImageUse[]> => {
      const what = `App Runner DescribeService of ${name}`;
      const out = await answerOf(what, client.send(new DescribeServiceCommand({ ServiceArn: arn })));
      if (!out.Service) throw new UntrustedAnswerError(`${what}: the answer has no Service, so it cannot be used`);
      answerAbout(what, "Service.ServiceArn", arn, out.Service.ServiceArn);
      return sourceUses(what, out.Service.SourceConfiguration, name);
    });
    return uses.flat();
  } finally {
    client.destroy();
  }
}
