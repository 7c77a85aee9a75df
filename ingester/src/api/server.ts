import type { Server } from 'node:http';
import type { Express } from 'express';
import { ConfigError } from '../errors.js';

export interface RunningServer {
  url: string;
  port: number;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then resolves. */
  close(graceMs?: number): Promise<void>;
}

export function listen(app: Express, host: string, port: number): Promise<RunningServer> {
  return new Promise((resolveListen, rejectListen) => {
    const server: Server = app.listen(port, host);
    server.once('error', (err: NodeJS.ErrnoException) => {
      rejectListen(
        err.code === 'EADDRINUSE'
          ? new ConfigError('PORT', `port ${port} is already in use on ${host}; choose another`)
          : err,
      );
    });
    server.once('listening', () => {
      const address = server.address();
      const actual = typeof address === 'object' && address ? address.port : port;
      const shown =
        host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
      resolveListen({
        url: `http://${shown}:${actual}`,
        port: actual,
        close: (graceMs = 10_000) =>
          new Promise<void>((done) => {
            const force = setTimeout(() => server.closeAllConnections(), graceMs);
            force.unref();
            server.close(() => {
              clearTimeout(force);
              done();
            });
            server.closeIdleConnections();
          }),
      });
    });
  });
}
