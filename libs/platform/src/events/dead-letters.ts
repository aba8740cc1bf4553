import { headers as natsHeaders, type JetStreamManager, type NatsConnection, type StoredMsg } from 'nats';
import {
  decodeJson,
  ensureStreams,
  jsErrorCode,
  MammutHeaders,
  streamLayout,
  type StreamLayout,
} from './streams';

export interface DeadLetter {
  /** Sequence in the dead-letter stream: what `replay` and `discard` take. */
  readonly seq: number;
  /** The job's contract subject (`jobs.federation.delivery.send`). */
  readonly subject: string;
  readonly jobId: string;
  readonly attempts: number;
  readonly lastError: string;
  readonly failedAt: string;
  /** The job's payload as enqueued (JSON), or undefined when it was not JSON. */
  readonly payload: unknown;
}

export interface DeadLettersOptions {
  readonly nats: NatsConnection;
  /** NATS_PREFIX (config `natsPrefix`). */
  readonly prefix: string;
}

export interface DeadLetterListOptions {
  /** Only dead letters of this job subject. */
  readonly subject?: string;
  /** At most this many, oldest first (default 100). */
  readonly limit?: number;
}

const NO_MESSAGE_FOUND = 10037;

/** The operator's view of the dead-letter stream: list, replay onto the job queue, discard. */
export class DeadLetters {
  private readonly layout: StreamLayout;

  constructor(private readonly options: DeadLettersOptions) {
    this.layout = streamLayout(options.prefix);
  }

  async list(options: DeadLetterListOptions = {}): Promise<DeadLetter[]> {
    const limit = options.limit ?? 100;
    const jsm = await this.jsm();
    const { state } = await jsm.streams.info(this.layout.dead);
    // A stream that never held a message reports sequences 0 to 0, and there is no message 0.
    if (!state.messages) return [];
    const found: DeadLetter[] = [];
    // Sequence by sequence: replayed letters leave gaps, which answer "no message found".
    for (let seq = state.first_seq; seq <= state.last_seq && found.length < limit; seq += 1) {
      const stored = await this.get(jsm, seq);
      if (!stored) continue;
      const letter = this.toDeadLetter(stored);
      if (!options.subject || letter.subject === options.subject) found.push(letter);
    }
    return found;
  }

  /** Puts a dead letter back on its job queue (attempts start again at 1) and removes it here. */
  async replay(seq: number): Promise<void> {
    const jsm = await this.jsm();
    const stored = await this.get(jsm, seq);
    if (!stored) throw new Error(`No dead letter ${seq} in ${this.layout.dead}`);
    const letter = this.toDeadLetter(stored);
    const headers = natsHeaders();
    headers.set(MammutHeaders.jobId, letter.jobId);
    const traceparent = stored.header.get(MammutHeaders.traceparent);
    if (traceparent) headers.set(MammutHeaders.traceparent, traceparent);
    await this.options.nats.jetstream().publish(this.layout.subject(letter.subject), stored.data, {
      // A second replay of the same letter (a retried CLI call) is dropped as a duplicate.
      msgID: `${this.layout.dead}:${seq}`,
      headers,
      expect: { streamName: this.layout.jobs },
    });
    await jsm.streams.deleteMessage(this.layout.dead, seq, false);
  }

  /** Replays every dead letter (of one subject); returns how many. */
  async replayAll(options: Pick<DeadLetterListOptions, 'subject'> = {}): Promise<number> {
    const letters = await this.list({ ...options, limit: Number.MAX_SAFE_INTEGER });
    for (const letter of letters) await this.replay(letter.seq);
    return letters.length;
  }

  async discard(seq: number): Promise<void> {
    await (await this.jsm()).streams.deleteMessage(this.layout.dead, seq, false);
  }

  private async jsm(): Promise<JetStreamManager> {
    const jsm = await this.options.nats.jetstreamManager();
    await ensureStreams(jsm, this.layout, ['jobs', 'dead']);
    return jsm;
  }

  private async get(jsm: JetStreamManager, seq: number): Promise<StoredMsg | undefined> {
    try {
      return await jsm.streams.getMessage(this.layout.dead, { seq });
    } catch (error) {
      if (jsErrorCode(error) === NO_MESSAGE_FOUND) return undefined;
      throw error;
    }
  }

  private toDeadLetter(stored: StoredMsg): DeadLetter {
    const header = (name: string): string => stored.header.get(name);
    return {
      seq: stored.seq,
      subject:
        header(MammutHeaders.originalSubject) ||
        this.layout.contractSubject(stored.subject).replace(/^dead\./, ''),
      jobId: header(MammutHeaders.jobId),
      attempts: Number(header(MammutHeaders.attempts) || 0),
      lastError: header(MammutHeaders.lastError),
      failedAt: header(MammutHeaders.failedAt),
      payload: decodeJson(stored.data),
    };
  }
}
