import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Slack's Web API on loopback, as far as the summaries use it: auth.test and
 * chat.postMessage, form-encoded or JSON, answering HTTP 200 with `ok: false` and
 * Slack's error codes the way Slack does.
 */

export interface SlackCall {
  method: string;
  token: string | undefined;
  args: Record<string, unknown>;
}

export const SLACK_TOKEN = 'xoxb-test-0123456789';

export class FakeSlack {
  readonly calls: SlackCall[] = [];
  /** Channels the bot can post to; anything else is channel_not_found. */
  readonly channels = new Map([
    ['#team-payments', 'C0PAYMENTS'],
    ['C0PAYMENTS', 'C0PAYMENTS'],
    ['#general', 'C0GENERAL'],
  ]);
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const args: Record<string, unknown> = (req.headers['content-type'] ?? '').includes('json')
          ? (JSON.parse(raw || '{}') as Record<string, unknown>)
          : Object.fromEntries(new URLSearchParams(raw));
        if (typeof args.blocks === 'string') args.blocks = JSON.parse(args.blocks);
        const token =
          /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? (args.token as string | undefined);
        const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0]!;
        this.calls.push({ method, token, args });
        const send = (body: Record<string, unknown>) => {
          res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
          res.end(JSON.stringify(body));
        };
        if (!token) return send({ ok: false, error: 'not_authed' });
        if (token !== SLACK_TOKEN) return send({ ok: false, error: 'invalid_auth' });
        if (method === 'auth.test')
          return send({
            ok: true,
            url: 'https://acme.slack.com/',
            team: 'Acme',
            user: 'engmetrics',
            team_id: 'T0',
            user_id: 'U0',
            bot_id: 'B0',
          });
        if (method !== 'chat.postMessage') return send({ ok: false, error: 'unknown_method' });
        const channel = this.channels.get(String(args.channel));
        if (!channel) return send({ ok: false, error: 'channel_not_found' });
        const ts = `${1_800_000_000 + this.calls.length}.000100`;
        send({ ok: true, channel, ts, message: { type: 'message', text: args.text, ts, bot_id: 'B0' } });
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api`;
    return this;
  }

  posts(): SlackCall[] {
    return this.calls.filter((c) => c.method === 'chat.postMessage');
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
