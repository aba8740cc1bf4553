import { Inject, Injectable } from '@nestjs/common';
import { type ActorRecord, ContractError, contracts, type RequestOf } from '@mammut/contracts';
import { BUS, type Bus, CLOCK, type Clock, CONFIG, type Config, logger } from '@mammut/platform';
import { DomainBlocks } from '../domain-blocks/domain-blocks';
import { allowedUrl, type Handle, parseHandle, sameHandle, type WebfingerAnswer } from './jrd';
import { ActorGone, type FetchedActor, PeerUnavailable, RemoteActors } from './remote-actors';
import { WebfingerClient, WebfingerFailure } from './webfinger-client';

type Target = RequestOf<typeof contracts.federation.remoteAccounts.resolve>;

/** Mastodon's Account#possibly_stale?: a handle WebFinger confirmed within a day is not asked again. */
const STALE_MS = 24 * 60 * 60 * 1000;

const notFound = (message: string): ContractError => new ContractError('not_found', message);
const suspended = (domain: string): ContractError => notFound(`${domain} is suspended here`);

/** The account's server answered 410 Gone (WebFinger or actor): not found, and a known copy goes too. */
class AccountGone extends ContractError {
  constructor(message: string) {
    super('not_found', message);
  }
}

/**
 * Finds the account a handle or an actor id names, asking its server when it is not known here
 * or was last confirmed more than a day ago (ResolveAccountService): WebFinger for the actor, the
 * actor document, and WebFinger again for the actor's own `preferredUsername@host` when that is
 * not the handle just asked (a handle domain that differs from the web domain), whose answer must
 * point back at the same actor; one redirect to another subject is followed, as Mastodon follows
 * one. The handle WebFinger confirmed is saved with the account.
 *
 * Concurrent resolutions of one handle or id in this process share one run. When the account is
 * known and its server cannot confirm it now, the known account is the answer; when its server
 * says it is gone (410 on WebFinger or on the actor), it is deleted here and not found, as Mastodon
 * deletes it (ResolveAccountService, FetchRemoteActorService). A suspended domain
 * is never asked, and its accounts are not found, known or not (Mastodon refuses blocked domains
 * before any request).
 */
@Injectable()
export class ResolveRemoteAccount {
  private readonly log = logger('federation:resolve');
  private readonly running = new Map<string, Promise<string>>();

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(CONFIG) private readonly config: Config,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly webfinger: WebfingerClient,
    private readonly actors: RemoteActors,
    private readonly blocks: DomainBlocks,
  ) {}

  async execute(target: Target): Promise<{ accountId: string }> {
    const key =
      'acct' in target ? `acct:${target.acct.trim().replace(/^@/, '').toLowerCase()}` : `uri:${target.uri}`;
    let run = this.running.get(key);
    if (!run) {
      run = 'acct' in target ? this.byHandle(target.acct) : this.byUri(target.uri);
      this.running.set(key, run);
      const forget = (): void => {
        this.running.delete(key);
      };
      void run.then(forget, forget);
    }
    return { accountId: await run };
  }

  private async byHandle(acct: string): Promise<string> {
    const handle = parseHandle(acct);
    if (!handle) throw notFound('not a handle');
    if (handle.domain.toLowerCase() === this.config.localDomain.toLowerCase())
      return this.local(handle.username);
    if (await this.blocks.isSuspended(handle.domain)) throw suspended(handle.domain);
    const { actors } = await this.bus.request(contracts.accounts.remote.lookupActors, {
      accts: [`${handle.username}@${handle.domain}`],
    });
    return this.refreshed(actors[0], async () => {
      let answer = await this.finger(handle);
      if (!sameHandle(answer.subject, handle)) answer = await this.redirected(answer);
      return this.save(await this.actorAt(answer.actorUri), answer);
    });
  }

  private async byUri(uri: string): Promise<string> {
    if (!allowedUrl(uri, this.config.federation.scheme)) throw notFound('not a URL we may fetch');
    if (await this.blocks.suspendsUrl(uri)) throw suspended(new URL(uri).host);
    const { actors } = await this.bus.request(contracts.accounts.remote.getActorsByUri, { uris: [uri] });
    // Our own URLs name local accounts or nothing: never worth a request to ourselves.
    if (!actors[0] && new URL(uri).origin === this.config.publicOrigin.toLowerCase())
      throw notFound('no such local actor');
    return this.refreshed(actors[0], async () => this.save(await this.actorAt(uri), null));
  }

  private async local(username: string): Promise<string> {
    const { actors } = await this.bus.request(contracts.accounts.remote.lookupActors, { accts: [username] });
    const account = actors[0];
    if (!account || account.domain !== null) throw notFound('no such local account');
    return account.id;
  }

  /** A local or freshly confirmed account as it is; else `resolve`, falling back on what is known. */
  private async refreshed(known: ActorRecord | undefined, resolve: () => Promise<string>): Promise<string> {
    if (known && (known.domain === null || this.fresh(known))) return known.id;
    try {
      return await resolve();
    } catch (error) {
      if (known && error instanceof AccountGone) await this.forget(known);
      if (!known || !(error instanceof ContractError) || error instanceof AccountGone) throw error;
      this.log.info({ accountId: known.id, err: error.message }, 'known account not refreshed');
      return known.id;
    }
  }

  /** Deletes a known account whose server says it is gone (idempotent: the actor fetch may have already). */
  private async forget(known: ActorRecord): Promise<void> {
    this.log.info({ accountId: known.id }, 'account gone from its server; deleted');
    try {
      await this.bus.request(contracts.accounts.admin.deleteAccount, { accountId: known.id });
    } catch (error) {
      if (!(error instanceof ContractError && error.code === 'not_found')) throw error;
    }
  }

  private fresh(account: ActorRecord): boolean {
    const at = account.lastWebfingeredAt ? Date.parse(account.lastWebfingeredAt) : NaN;
    return this.clock.millis() - at < STALE_MS;
  }

  /** Saves the actor under the handle WebFinger confirms for it. */
  private async save(fetched: FetchedActor, asked: WebfingerAnswer | null): Promise<string> {
    const { actor } = fetched;
    const own: Handle = { username: actor.username, domain: new URL(actor.uri).host };
    const handle =
      asked && sameHandle(asked.subject, own) && asked.actorUri === actor.uri
        ? asked.subject
        : await this.confirm(own, actor.uri);
    try {
      const { account } = await this.bus.request(contracts.accounts.remote.saveRemoteAccount, {
        ...actor,
        username: handle.username,
        domain: handle.domain,
        webfingeredAt: this.clock.now().toISOString(),
      });
      return account.id;
    } catch (error) {
      if (error instanceof ContractError && error.code !== 'unavailable')
        throw notFound(`not saved: ${error.message}`);
      throw error;
    }
  }

  /** The handle `own`'s WebFinger names (after at most one redirect), which must point at `actorUri`. */
  private async confirm(own: Handle, actorUri: string): Promise<Handle> {
    let answer = await this.finger(own);
    if (!sameHandle(answer.subject, own)) answer = await this.redirected(answer);
    if (answer.actorUri !== actorUri) throw notFound(`WebFinger does not point back at ${actorUri}`);
    return answer.subject;
  }

  /** WebFinger named another subject: that subject must confirm itself. */
  private async redirected(answer: WebfingerAnswer): Promise<WebfingerAnswer> {
    const again = await this.finger(answer.subject);
    if (!sameHandle(again.subject, answer.subject)) throw notFound('too many WebFinger redirects');
    return again;
  }

  private async finger(handle: Handle): Promise<WebfingerAnswer> {
    if (await this.blocks.isSuspended(handle.domain)) throw suspended(handle.domain);
    try {
      return await this.webfinger.finger(handle);
    } catch (error) {
      if (!(error instanceof WebfingerFailure)) throw error;
      if (error.reason === 'gone') throw new AccountGone(error.message);
      throw new ContractError(error.reason === 'unavailable' ? 'unavailable' : 'not_found', error.message);
    }
  }

  private async actorAt(uri: string): Promise<FetchedActor> {
    if (await this.blocks.suspendsUrl(uri)) throw suspended(new URL(uri).host);
    let fetched: FetchedActor | null;
    try {
      fetched = await this.actors.fetchActor(uri);
    } catch (error) {
      if (error instanceof PeerUnavailable) throw new ContractError('unavailable', error.message);
      if (error instanceof ActorGone) throw new AccountGone(error.message);
      throw error;
    }
    if (!fetched) throw notFound(`no acceptable actor at ${uri}`);
    return fetched;
  }
}
