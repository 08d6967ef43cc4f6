/**
 * The base of the handlers that wrap the SDK's HTTP handler (the deadline, the answer check): what a wrapper does not
 * change (its metadata, its configuration, destroying it) goes to the handler inside.
 */
import type { HttpHandler } from "@smithy/core/protocols";
import type { HttpRequest, HttpResponse } from "@smithy/core/transport";
import type { HttpHandlerOptions, RequestHandlerOutput } from "@smithy/types";

export abstract class WrappedHandler implements HttpHandler {
  constructor(protected readonly inner: HttpHandler) {}

  get metadata() {
    return this.inner.metadata;
  }

  destroy(): void {
    this.inner.destroy?.();
  }

  updateHttpClientConfig(key: never, value: never): void {
    this.inner.updateHttpClientConfig(key, value);
  }

  httpHandlerConfigs(): object {
    return this.inner.httpHandlerConfigs();
  }

  abstract handle(request: HttpRequest, options?: HttpHandlerOptions): Promise<RequestHandlerOutput<HttpResponse>>;
}
