/**
 * A request answered by a `BusServer` of this process: validation, the handler, error mapping and
 * the SERVER span, exactly as a request arriving over NATS gets them.
 */
export type LocalAnswer = (payload: unknown) => Promise<unknown>;

/**
 * What the servers of this process answer, by contract subject: the in-process path of the bus.
 * One per process, shared by the client (`Bus`) and every `BusServer` the process starts.
 */
export class LocalHandlers {
  private readonly answers = new Map<string, LocalAnswer>();

  add(subject: string, answer: LocalAnswer): void {
    if (this.answers.has(subject)) throw new Error(`Two handlers for ${subject} in this process`);
    this.answers.set(subject, answer);
  }

  get(subject: string): LocalAnswer | undefined {
    return this.answers.get(subject);
  }

  delete(subject: string): void {
    this.answers.delete(subject);
  }
}
