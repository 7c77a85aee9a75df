import OpenAI, { APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import type { Settings } from '../config/settings.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { SprintFacts } from './facts.js';
import { checkAnswer, checkContext, type Words } from './grounding.js';
import type { WriterMeta } from './insight.js';
import { buildPrompt, llmAnswer, PROMPT_VERSION, type LlmAnswer } from './prompt.js';
import type { Verdict } from './score.js';
import type { RefusedItem } from './shape.js';
import { describeShapeError } from './shape-errors.js';

/**
 * The LLM writer: any OpenAI-compatible chat completions server (OPENAI_BASE_URL),
 * structured output held to a zod schema, one deadline (OPENAI_TIMEOUT_MS) for the whole
 * call including its one retry, and the grounding check on the answer. It writes words
 * only: the status and score are the engine's verdict, given to it and never taken from
 * it. It never throws: it returns the words (with the items the check refused) or the
 * reason it could not give them, and the caller serves the rule-based words with that
 * reason.
 */

export type LlmResult = { ok: true; words: Words; refused: RefusedItem[] } | { ok: false; reason: string };

const ATTEMPTS = 2;
/** Below this, a retry could not get an answer back before the deadline anyway. */
const MIN_ATTEMPT_MS = 250;

class Retryable extends Error {}

export class LlmWriter {
  private readonly client: OpenAI;

  constructor(
    private readonly settings: Settings['openai'] & { apiKey: string },
    private readonly log: Logger,
  ) {
    this.client = new OpenAI({
      apiKey: settings.apiKey,
      baseURL: settings.baseUrl,
      // Retries and time are budgeted here, against one deadline.
      maxRetries: 0,
      timeout: settings.timeoutMs,
      logLevel: 'off',
    });
  }

  get model(): string {
    return this.settings.model;
  }

  async write(facts: SprintFacts, meta: WriterMeta, verdict: Verdict): Promise<LlmResult> {
    const started = Date.now();
    const deadline = started + this.settings.timeoutMs;
    const prompt = buildPrompt(facts, meta.factsHash, verdict);
    let reason = 'the LLM was not asked';
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const left = deadline - Date.now();
      if (left < MIN_ATTEMPT_MS) break;
      try {
        const answer = await this.ask(prompt.messages, left);
        const result = this.accept(answer, facts, verdict);
        this.log.info(
          {
            model: this.model,
            prompt: PROMPT_VERSION,
            attempt,
            ms: Date.now() - started,
            ok: result.ok,
            ...(result.ok ? { refused: result.refused } : { reason: result.reason }),
          },
          result.ok ? 'LLM insight written' : 'LLM insight rejected',
        );
        return result;
      } catch (err) {
        reason = describe(err, this.settings.timeoutMs);
        this.log.warn(
          { model: this.model, prompt: PROMPT_VERSION, attempt, ms: Date.now() - started, reason },
          'LLM insight writer failed',
        );
        if (!(err instanceof Retryable) && !retryable(err)) break;
      }
    }
    return { ok: false, reason };
  }

  private async ask(
    messages: ReturnType<typeof buildPrompt>['messages'],
    timeoutMs: number,
  ): Promise<LlmAnswer> {
    let completion;
    try {
      completion = await this.client.chat.completions.parse(
        {
          model: this.settings.model,
          messages,
          temperature: 0,
          response_format: zodResponseFormat(llmAnswer, 'sprint_health'),
        },
        { timeout: timeoutMs, signal: AbortSignal.timeout(timeoutMs), maxRetries: 0 },
      );
    } catch (err) {
      // The client parses the answer itself: bad JSON or the wrong shape surface here.
      const shape = describeShapeError(err);
      if (shape) throw new Retryable(shape);
      throw err;
    }
    const message = completion.choices[0]?.message;
    if (!message) throw new Retryable('the LLM answered with no message');
    if (message.refusal) {
      // Its words stay in the log: a reason is shown to every reader, and a refusal is the model's prose.
      this.log.warn({ model: this.model, refusal: clip(message.refusal) }, 'the LLM refused to answer');
      throw new Error('the LLM refused to answer');
    }
    if (!message.parsed) throw new Retryable('the LLM answered with no content');
    return message.parsed;
  }

  /**
   * The answer's words, if its summary passes the grounding check; items that fail it are
   * left out and listed, so one bad sentence does not cost the whole answer.
   */
  private accept(answer: LlmAnswer, facts: SprintFacts, verdict: Verdict): LlmResult {
    const checked = checkAnswer(answer, checkContext(facts, verdict.status));
    if (!checked.ok)
      return {
        ok: false,
        reason: `the LLM answer failed the grounding check: ${checked.problems.slice(0, 3).join('; ')}`,
      };
    return checked;
  }
}

function retryable(err: unknown): boolean {
  if (err instanceof APIUserAbortError || err instanceof APIConnectionTimeoutError) return false;
  if (err instanceof APIError) return err.status === undefined || err.status === 429 || err.status >= 500;
  return false;
}

function describe(err: unknown, timeoutMs: number): string {
  if (err instanceof APIUserAbortError || err instanceof APIConnectionTimeoutError)
    return `the LLM did not answer within ${timeoutMs} ms`;
  if (err instanceof APIError && err.status !== undefined)
    return `the LLM server answered HTTP ${err.status}${err.status === 401 ? ' (check OPENAI_API_KEY)' : ''}: ${clip(firstLine(err))}`;
  if (err instanceof APIError) return `the LLM server could not be reached: ${clip(firstLine(err))}`;
  return clip(errorMessage(err));
}

const firstLine = (err: unknown) => errorMessage(err).split('\n')[0]!;
const clip = (s: string, n = 200) => (s.length > n ? `${s.slice(0, n)}…` : s);
