/**
 * Headless Chromium (Debian's `chromium` package), driven over the DevTools protocol on a pipe
 * (`--remote-debugging-pipe`: commands on fd 3, answers and events on fd 4, each a JSON message ended by NUL).
 * No browser is downloaded: the test uses the one installed (`.ci/run` installs it on CI).
 */
import { ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

/** The installed Chromium, or undefined (CHROMIUM_PATH overrides). */
export function findChromium(): string | undefined {
  const wanted = process.env.CHROMIUM_PATH;
  if (wanted) return existsSync(wanted) ? wanted : undefined;
  return CANDIDATES.find((path) => existsSync(path));
}

interface CdpEvent {
  method: string;
  params: any;
  sessionId?: string;
}

export class Chromium {
  private nextId = 1;
  private pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private buffer = "";
  private listeners: ((event: CdpEvent) => void)[] = [];
  readonly events: CdpEvent[] = [];

  private constructor(
    private readonly child: ChildProcess,
    private readonly profile: string,
  ) {
    const input = child.stdio[3] as Writable;
    const output = child.stdio[4] as Readable;
    input.on("error", () => undefined);
    output.setEncoding("utf8");
    output.on("data", (chunk: string) => {
      this.buffer += chunk;
      let end;
      while ((end = this.buffer.indexOf("\0")) >= 0) {
        const message = JSON.parse(this.buffer.slice(0, end));
        this.buffer = this.buffer.slice(end + 1);
        if (message.id !== undefined) {
          const waiter = this.pending.get(message.id);
          this.pending.delete(message.id);
          if (message.error) waiter?.reject(new Error(`${message.error.message} (${message.error.code})`));
          else waiter?.resolve(message.result);
        } else {
          this.events.push(message);
          for (const listener of this.listeners) listener(message);
        }
      }
    });
    child.on("exit", () => {
      for (const waiter of this.pending.values()) waiter.reject(new Error("chromium exited"));
      this.pending.clear();
    });
  }

  static async launch(executable: string): Promise<Chromium> {
    const profile = mkdtempSync(join(tmpdir(), "ecr-cleanup-chromium-"));
    const child = spawn(
      executable,
      [
        "--headless=new",
        "--remote-debugging-pipe",
        `--user-data-dir=${profile}`,
        // As root (CI, this machine) Chromium's sandbox cannot start.
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--force-color-profile=srgb",
        "--font-render-hinting=none",
        "about:blank",
      ],
      { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    const browser = new Chromium(child, profile);
    try {
      await Promise.race([
        browser.send("Browser.getVersion"),
        new Promise((_, reject) => child.once("exit", (code) => reject(new Error(`chromium exited with ${code}: ${stderr.slice(-2000)}`)))),
        new Promise((_, reject) => setTimeout(() => reject(new Error(`chromium did not answer: ${stderr.slice(-2000)}`)), 30_000).unref()),
      ]);
    } catch (err) {
      await browser.close();
      throw err;
    }
    return browser;
  }

  send(method: string, params: object = {}, sessionId?: string): Promise<any> {
    const id = this.nextId++;
    const input = this.child.stdio[3] as Writable;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      input.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + "\0");
    });
  }

  /** The next event `method` (of `sessionId`) that `match` accepts, or a timeout. */
  waitFor(method: string, sessionId?: string, timeoutMs = 20_000): Promise<any> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${method} within ${timeoutMs} ms`)), timeoutMs);
      const listener = (event: CdpEvent) => {
        if (event.method !== method || (sessionId && event.sessionId !== sessionId)) return;
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== listener);
        resolve(event.params);
      };
      this.listeners.push(listener);
    });
  }

  /** A fresh page, its session attached, with the events a test reads turned on. */
  async newPage(width: number, height: number, scheme: "light" | "dark"): Promise<Page> {
    const { targetId } = await this.send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await this.send("Target.attachToTarget", { targetId, flatten: true });
    const page = new Page(this, sessionId);
    for (const domain of ["Page", "Runtime", "Log", "Network"]) await page.send(`${domain}.enable`);
    await page.send("Emulation.setDeviceMetricsOverride", { width, height, deviceScaleFactor: 1, mobile: false });
    await page.send("Emulation.setEmulatedMedia", { features: [{ name: "prefers-color-scheme", value: scheme }] });
    return page;
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((done) => this.child.once("exit", done));
      this.send("Browser.close").catch(() => undefined);
      const timer = setTimeout(() => this.child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.profile, { recursive: true, force: true });
  }
}

export class Page {
  constructor(
    readonly browser: Chromium,
    readonly sessionId: string,
  ) {}

  send(method: string, params: object = {}): Promise<any> {
    return this.browser.send(method, params, this.sessionId);
  }

  /** The events of this page so far. */
  events(method: string): any[] {
    return this.browser.events.filter((e) => e.sessionId === this.sessionId && e.method === method).map((e) => e.params);
  }

  async open(url: string): Promise<void> {
    const loaded = this.browser.waitFor("Page.loadEventFired", this.sessionId);
    const { errorText } = await this.send("Page.navigate", { url });
    if (errorText) throw new Error(`cannot open ${url}: ${errorText}`);
    await loaded;
  }

  /** Evaluates an expression in the page and returns its value (JSON-serialisable), rethrowing the page's exception. */
  async evaluate<T>(expression: string): Promise<T> {
    const { result, exceptionDetails } = await this.send("Runtime.evaluate", { expression, returnByValue: true, awaitPromise: true });
    if (exceptionDetails) throw new Error(`in the page: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
    return result.value as T;
  }

  async mouse(type: "mouseMoved" | "mousePressed" | "mouseReleased", x: number, y: number): Promise<void> {
    await this.send("Input.dispatchMouseEvent", { type, x, y, button: type === "mouseMoved" ? "none" : "left", clickCount: type === "mouseMoved" ? 0 : 1 });
  }

  /** A PNG of the whole page (beyond the viewport), or of `clip`. */
  async screenshot(clip?: { x: number; y: number; width: number; height: number }): Promise<Buffer> {
    const { data } = await this.send("Page.captureScreenshot", { format: "png", captureBeyondViewport: true, ...(clip ? { clip: { ...clip, scale: 1 } } : {}) });
    return Buffer.from(data, "base64");
  }
}
