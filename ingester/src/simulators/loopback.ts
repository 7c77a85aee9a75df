import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { FaultQueue } from './faults.js';
import type { Dialect } from './http.js';
import type { World } from './world/types.js';

/**
 * What the GitHub and Jira simulators share: a server on loopback, the instant the API
 * shows, the faults queued for it, and the control routes by which a simulator running
 * in another process (benchmarks, `engmetrics simulate`) is driven. What each answers,
 * and in which words, is its own.
 */
export abstract class LoopbackSimulator<F> {
  abstract readonly stats: object;
  url = '';
  protected now: number;
  protected readonly faults = new FaultQueue<F>();
  private server: Server | undefined;

  protected constructor(
    readonly world: World,
    now: number | undefined,
    private readonly dialect: Dialect,
  ) {
    this.now = Math.min(now ?? world.spec.end, world.spec.end);
  }

  /** Moves the instant the API shows (never past the end of the world). */
  setNow(t: number): void {
    this.now = Math.min(t, this.world.spec.end);
  }

  getNow(): number {
    return this.now;
  }

  inject(fault: F, times = 1, path?: RegExp): void {
    this.faults.push(fault, times, path);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) this.dialect.crashed(res, err);
      });
    });
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    const address = this.server.address() as { port: number };
    this.url = `http://${host}:${address.port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  protected abstract handle(req: IncomingMessage, res: ServerResponse): Promise<void>;

  /** The `/__simulator/` routes; none of them counts as a request to the API. */
  protected control(req: IncomingMessage, res: ServerResponse, url: URL, body: string): void {
    const { sendJson } = this.dialect;
    if (url.pathname === '/__simulator/stats') return sendJson(res, 200, { ...this.stats, now: this.now });
    if (req.method === 'POST' && url.pathname === '/__simulator/now') {
      this.setNow(Number((JSON.parse(body) as { now: number }).now));
      return sendJson(res, 200, { now: this.now });
    }
    if (req.method === 'POST' && url.pathname === '/__simulator/faults') {
      const f = JSON.parse(body) as { fault: F; times?: number; path?: string };
      this.inject(f.fault, f.times ?? 1, f.path ? new RegExp(f.path) : undefined);
      return sendJson(res, 200, { queued: this.faults.length });
    }
    this.dialect.notFound(res);
  }
}
