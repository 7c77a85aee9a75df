import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SprintFacts } from '../../src/insights/facts.js';

/**
 * An OpenAI-compatible server on loopback speaking POST /v1/chat/completions as OpenAI
 * does (bodies, error envelopes, structured-output content as a JSON string). Each
 * test decides what the "model" answers; every request is kept for assertions.
 */

export interface ChatRequest {
  headers: IncomingMessage['headers'];
  body: {
    model: string;
    messages: { role: string; content: string }[];
    response_format?: { type: string; json_schema?: { name: string; strict?: boolean; schema: unknown } };
    [k: string]: unknown;
  };
}

export type Reply =
  | { kind: 'answer'; content: unknown; delayMs?: number }
  | { kind: 'raw'; content: string; delayMs?: number }
  | { kind: 'error'; status: number; delayMs?: number };

export class FakeOpenAI {
  readonly requests: ChatRequest[] = [];
  private server?: Server;
  private readonly timers = new Set<NodeJS.Timeout>();
  url = '';
  /** What the model says to the nth request (0-based), given the facts it was sent. */
  reply: (facts: SprintFacts, n: number, req: ChatRequest) => Reply = () => ({ kind: 'error', status: 500 });

  /** Answers every request with what `answer` makes of the facts it was sent. */
  answering(answer: (facts: SprintFacts, req: ChatRequest) => unknown, delayMs?: number): this {
    this.reply = (facts, _n, req) => ({ kind: 'answer', content: answer(facts, req), delayMs });
    return this;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const send = (status: number, body: unknown) => {
          if (res.destroyed) return;
          res.writeHead(status, {
            'content-type': 'application/json',
            'x-request-id': `req_${this.requests.length}`,
          });
          res.end(JSON.stringify(body));
        };
        if (req.method !== 'POST' || req.url !== '/v1/chat/completions')
          return send(404, {
            error: {
              message: 'Unknown request URL',
              type: 'invalid_request_error',
              param: null,
              code: 'unknown_url',
            },
          });
        if (req.headers.authorization !== 'Bearer sk-test-key-0123456789')
          return send(401, {
            error: {
              message: 'Incorrect API key provided',
              type: 'invalid_request_error',
              param: null,
              code: 'invalid_api_key',
            },
          });
        const request: ChatRequest = {
          headers: req.headers,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
        };
        const n = this.requests.length;
        this.requests.push(request);
        const reply = this.reply(factsOf(request), n, request);
        const respond = () => {
          if (reply.kind === 'error')
            return send(reply.status, {
              error: {
                message: 'The server had an error while processing your request.',
                type: 'server_error',
                param: null,
                code: null,
              },
            });
          const content = reply.kind === 'raw' ? reply.content : JSON.stringify(reply.content);
          send(200, {
            id: `chatcmpl-${n}`,
            object: 'chat.completion',
            created: Math.floor(Date.now() / 1000),
            model: request.body.model,
            choices: [
              {
                index: 0,
                message: { role: 'assistant', content, refusal: null, annotations: [] },
                logprobs: null,
                finish_reason: 'stop',
              },
            ],
            usage: { prompt_tokens: 100, completion_tokens: 50, total_tokens: 150 },
            system_fingerprint: 'fp_fake',
          });
        };
        if (!reply.delayMs) return respond();
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          respond();
        }, reply.delayMs);
        this.timers.add(timer);
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
    return this;
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

/** The fact sheet inside the user message's data block (as the model sees it: no links, no ids). */
export function factsOf(req: ChatRequest): SprintFacts {
  const user = req.body.messages.find((m) => m.role === 'user')!.content;
  const m = /<<<FACTS (\w+)>>>\n([\s\S]*)\n<<<END FACTS \1>>>$/.exec(user);
  if (!m) throw new Error('no fact block in the user message');
  return JSON.parse(m[2]!) as SprintFacts;
}

/** What a good model writes: numbers as placeholders naming their facts, and keys of the facts. */
export function groundedAnswer(f: SprintFacts) {
  const blocked = f.blocked[0];
  const waiting = f.pr_flow.waiting_for_review[0];
  return {
    summary: `{sprint.name} has {progress.completed_points of progress.total_points} done with {time.days_left} left. ${blocked ? `${blocked.key} has been blocked for {blocked[0].blocked_hours}.` : 'Nothing is blocked.'}`,
    risks: [
      {
        title: blocked ? `${blocked.key} is blocked` : 'Work remains',
        detail:
          f.scope.scope_change_pct === null
            ? '{progress.remaining_points} remain.'
            : 'Scope changed by {scope.scope_change_pct} since the start.',
        severity: 'high',
        facts: ['blocked', 'scope.scope_change_pct'],
        refs: blocked ? [{ kind: 'issue', key: blocked.key }] : [],
      },
    ],
    bottlenecks: waiting
      ? [
          {
            title: `${waiting.key} waits for review`,
            detail: 'Waiting {pr_flow.waiting_for_review[0].hours_waiting} for a first review.',
            severity: 'medium',
            facts: ['pr_flow.waiting_for_review'],
            refs: [{ kind: 'pull_request', key: waiting.key }],
          },
        ]
      : [],
    recommendations: [
      {
        title: 'Unblock before starting new work',
        detail: 'Name an owner for each blocker today.',
        severity: 'high',
        facts: ['blocked'],
        refs: blocked ? [{ kind: 'issue', key: blocked.key }] : [],
      },
    ],
  };
}
