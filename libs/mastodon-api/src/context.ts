/** What serializers need to know about the server: absolute URLs use the public origin. */
export interface SerializeContext {
  /** `https://example.com` */
  readonly origin: string;
  /** `example.com`: the domain of local `acct`s. */
  readonly localDomain: string;
}
