import { Agent, type IncomingHttpHeaders, request as httpRequest } from 'node:http';

export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface RawRequest {
  readonly method: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  /** Written in order, each after the previous one drained; stops as soon as a response arrives. */
  readonly chunks?: Iterable<Buffer | string>;
  /**
   * Ends the body after the chunks (default). `false` leaves it open, as a client still uploading:
   * a response then proves the server answered without waiting for the rest.
   */
  readonly end?: boolean;
}

/**
 * One request written by hand on its own connection (declared lengths that lie, bodies left
 * open, multipart cut short), for what fetch would not send. Answers the response once read,
 * then drops the connection.
 */
export function rawRequest(baseUrl: string, spec: RawRequest): Promise<RawResponse> {
  const url = new URL(spec.path, baseUrl);
  return new Promise<RawResponse>((resolve, reject) => {
    let answered = false;
    // Keep-alive, as browsers and apps ask: a server answering early then discards the rest of
    // the body, where `Connection: close` would have it hang up while the body is still written.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const request = httpRequest(url, { method: spec.method, headers: spec.headers, agent });
    request.on('close', () => agent.destroy());
    request.on('response', (response) => {
      answered = true;
      const parts: Buffer[] = [];
      response.on('data', (chunk: Buffer) => parts.push(chunk));
      response.on('end', () => {
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(parts).toString('utf8'),
        });
        request.destroy();
      });
    });
    // After the answer the connection may be cut while we still write: that is not a failure.
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    const write = async (): Promise<void> => {
      for (const chunk of spec.chunks ?? []) {
        if (answered || request.destroyed) return;
        if (!request.write(chunk)) {
          await new Promise<void>((drained) => {
            const done = (): void => {
              request.off('drain', done).off('close', done).off('response', done);
              drained();
            };
            request.on('drain', done).on('close', done).on('response', done);
          });
        }
      }
      if (spec.end !== false && !answered && !request.destroyed) request.end();
    };
    write().catch(reject);
  });
}

/** `count` copies of `chunk`, made as they are written. */
export function* repeated(chunk: Buffer, count: number): Generator<Buffer> {
  for (let i = 0; i < count; i++) yield chunk;
}

/** A multipart/form-data body written by hand, part by part. */
export class MultipartWriter {
  readonly boundary = `----mammut${Math.random().toString(16).slice(2)}`;

  get contentType(): string {
    return `multipart/form-data; boundary=${this.boundary}`;
  }

  field(name: string, value: string): string {
    return `--${this.boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  }

  /** The head of a file part; its bytes follow, then `fileEnd()`. */
  fileStart(name: string, filename: string, type = 'application/octet-stream'): string {
    return `--${this.boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`;
  }

  fileEnd(): string {
    return '\r\n';
  }

  end(): string {
    return `--${this.boundary}--\r\n`;
  }
}
