import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

/**
 * PostgreSQL's wire protocol in front of PGlite, for `pg`, psql and Grafana on loopback.
 *
 * PGlite is one backend session. Several clients can share it only if each client's
 * messages run together up to a point where the protocol is idle again (Sync, a
 * simple Query, Flush, Terminate): interleaving one client's Parse with another's
 * Bind would run the wrong statement. While one client has a transaction open, only
 * that client runs. (@electric-sql/pglite-socket queues single messages, which is
 * not enough for clients that run queries side by side.)
 */

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
/** Messages after which a client waits for the server: a batch ends there. */
const BATCH_END = new Set(['S', 'Q', 'H', 'X', 'c', 'f']);

interface Batch {
  conn: Connection;
  bytes: Buffer;
}

class Connection {
  private buffer: Buffer = Buffer.alloc(0);
  private pending: Buffer[] = [];
  started = false;
  closed = false;

  constructor(
    readonly id: number,
    readonly socket: Socket,
    private readonly submit: (b: Batch) => void,
  ) {}

  receive(data: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, data]) : data;
    for (;;) {
      if (!this.started) {
        if (this.buffer.length < 8) return;
        const length = this.buffer.readInt32BE(0);
        if (this.buffer.length < length) return;
        const code = this.buffer.readInt32BE(4);
        const message = this.buffer.subarray(0, length);
        this.buffer = this.buffer.subarray(length);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          this.socket.write('N');
          continue;
        }
        if (code === CANCEL_REQUEST) {
          this.socket.end();
          return;
        }
        this.started = true;
        this.submit({ conn: this, bytes: Buffer.from(message) });
        continue;
      }
      if (this.buffer.length < 5) return;
      const length = 1 + this.buffer.readInt32BE(1);
      if (this.buffer.length < length) return;
      const type = String.fromCharCode(this.buffer[0]!);
      this.pending.push(Buffer.from(this.buffer.subarray(0, length)));
      this.buffer = this.buffer.subarray(length);
      if (BATCH_END.has(type)) {
        this.submit({ conn: this, bytes: Buffer.concat(this.pending) });
        this.pending = [];
      }
    }
  }
}

export class WireServer {
  private server: Server | undefined;
  private readonly queue: Batch[] = [];
  private running = false;
  /** The client whose transaction is open: only it may run until it ends. */
  private owner: Connection | null = null;
  private nextId = 1;
  private readonly connections = new Set<Connection>();

  constructor(private readonly db: PGlite) {}

  async listen(port: number, host = '127.0.0.1'): Promise<number> {
    this.server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    return (this.server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.socket.destroy();
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    const conn = new Connection(this.nextId++, socket, (b) => this.enqueue(b));
    this.connections.add(conn);
    socket.on('data', (d) => conn.receive(d));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      conn.closed = true;
      this.connections.delete(conn);
      for (let i = this.queue.length - 1; i >= 0; i--)
        if (this.queue[i]!.conn === conn) this.queue.splice(i, 1);
      if (this.owner === conn) {
        // A client gone mid-transaction must not hold everyone else.
        this.owner = null;
        void this.db.exec('ROLLBACK').finally(() => this.drain());
      }
    });
  }

  private enqueue(b: Batch): void {
    this.queue.push(b);
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (;;) {
        const i = this.owner ? this.queue.findIndex((b) => b.conn === this.owner) : 0;
        if (i < 0 || this.queue.length === 0) return;
        const batch = this.queue.splice(i, 1)[0]!;
        if (batch.conn.closed) continue;
        await this.db.runExclusive(() =>
          this.db.execProtocolRawStream(new Uint8Array(batch.bytes), {
            onRawData: (chunk) => {
              if (!batch.conn.closed && chunk.length) batch.conn.socket.write(Buffer.from(chunk));
            },
          }),
        );
        this.owner = this.db.isInTransaction() ? batch.conn : null;
      }
    } finally {
      this.running = false;
    }
  }
}
