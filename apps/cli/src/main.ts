import 'reflect-metadata';
import { Command, InvalidArgumentError, Option } from 'commander';
import { connect } from 'nats';
import {
  type AdminUser,
  ContractError,
  contracts,
  type DomainBlockRecord,
  type RelayRecord,
  domainBlockSeverity,
  type DomainBlockSeverity,
  role as roleSchema,
  type Role,
} from '@mammut/contracts';
import {
  type Bus,
  type Config,
  ConfigError,
  DeadLetters,
  type HostedService,
  InfraError,
  initLogging,
  loadConfig,
  SchemaBehindError,
} from '@mammut/platform';
import { hostAccounts } from '../../accounts/src/admin/accounts-admin';
import { hostFederation } from '../../federation/src/admin/federation-admin';
import { hostModeration } from '../../moderation/src/admin/moderation-admin';
import { migrateAll } from '../../all-in-one/src/system';
import { type DeployProgress, deploySearchIndex } from '../../search/src/elasticsearch/search-deploy';
import { UNATTACHED_RETENTION_HOURS, withMediaCleanup } from '../../media/src/cleanup/media-cleanup';
import { useLocalServers } from '../../all-in-one/src/serve';
import { dbStatus } from './db-status';

/** `npm run mammut -- …`: the operator's tool, after Mastodon's `tootctl`. */

const say = (line: string): void => void process.stdout.write(`${line}\n`);

function parseRole(value: string): Role {
  const parsed = roleSchema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError('must be one of admin, moderator, user');
  return parsed.data;
}

/** Runs one command against the resolved database and stops whatever the CLI started for it. */
async function withConfig(work: (config: Config) => Promise<void>): Promise<void> {
  const configured = loadConfig();
  initLogging(configured.logLevel);
  const { infra, config } = await useLocalServers(configured, say);
  try {
    await work(config);
  } finally {
    await infra.stop();
  }
}

const admin = contracts.accounts.admin;

/** Runs one command on the dead-letter stream of the configured NATS and prefix. */
function withDeadLetters(work: (dead: DeadLetters) => Promise<void>): Promise<void> {
  return withConfig(async (config) => {
    const nats = await connect({ servers: config.natsUrl, name: 'mammut-cli' });
    try {
      await work(new DeadLetters({ nats, prefix: config.natsPrefix }));
    } finally {
      await nats.drain();
    }
  });
}

function parseSeq(value: string): number {
  const seq = Number(value);
  if (!Number.isSafeInteger(seq) || seq < 1)
    throw new InvalidArgumentError('must be a positive whole number');
  return seq;
}

/**
 * Runs one operator command as bus requests to a service hosted in this process (accounts,
 * federation, moderation): the same use cases, checks and events as the API (and, later, the
 * admin API) go through.
 */
function withService(
  host: (config: Config) => Promise<HostedService>,
  work: (bus: Bus) => Promise<void>,
): Promise<void> {
  return withConfig(async (config) => {
    const service = await host(config);
    try {
      await work(service.bus);
    } finally {
      await service.close();
    }
  });
}

const withAccounts = (work: (bus: Bus) => Promise<void>) => withService(hostAccounts, work);
const withFederation = (work: (bus: Bus) => Promise<void>) => withService(hostFederation, work);
const withModeration = (work: (bus: Bus) => Promise<void>) => withService(hostModeration, work);

function parseSeverity(value: string): DomainBlockSeverity {
  const parsed = domainBlockSeverity.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError('must be one of suspend, silence, noop');
  return parsed.data;
}

function describeBlock(block: DomainBlockRecord): string {
  const flags = [
    block.rejectMedia && 'reject-media',
    block.rejectReports && 'reject-reports',
    block.obfuscate && 'obfuscate',
  ].filter(Boolean);
  const comment = block.publicComment ? `  "${block.publicComment}"` : '';
  return `${block.domain}  ${block.severity}${flags.length ? `  ${flags.join(',')}` : ''}${comment}`;
}

/** One relay on one line: its inbox, the state of the subscription and its actor once known. */
function describeRelay(relay: RelayRecord): string {
  return `${relay.inboxUrl}  ${relay.state}${relay.actorUri ? `  ${relay.actorUri}` : ''}`;
}

/** A sanction on a local account, named by username. */
function sanctionCommand(
  name: string,
  description: string,
  run: (bus: Bus, accountId: string) => Promise<unknown>,
): Command {
  return new Command(name)
    .argument('<username>')
    .description(description)
    .action((username: string) =>
      withAccounts(async (bus) => {
        const user = await bus.request(admin.getUser, { username });
        await run(bus, user.accountId);
        say('OK');
        say(describe(await bus.request(admin.getUser, { username })));
      }),
    );
}

/**
 * Progress of a long command: a bar redrawn in place on a terminal, a line per batch otherwise
 * (a log file or CI keeps every line).
 */
function progressReporter(): { batch(progress: DeployProgress): void; end(): void } {
  const tty = process.stdout.isTTY === true;
  let drawn = false;
  return {
    batch({ index, done, total }) {
      const share = total ? done / total : 1;
      if (!tty) {
        say(`${index}: ${done}/${total} statuses (${Math.round(share * 100)}%)`);
        return;
      }
      const width = 30;
      const filled = Math.round(share * width);
      process.stdout.write(
        `\r${index} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${Math.round(share * 100)}% ${done}/${total}`,
      );
      drawn = true;
    },
    end() {
      if (drawn) process.stdout.write('\n');
    },
  };
}

const yesNo = (value: boolean): string => (value ? 'yes' : 'no');

function printUsers(users: readonly AdminUser[]): void {
  const rows = [
    ['USERNAME', 'EMAIL', 'ROLE', 'CONFIRMED', 'APPROVED', 'DISABLED', 'CREATED'],
    ...users.map((u) => [
      u.username,
      u.email,
      u.role,
      yesNo(u.confirmed),
      yesNo(u.approved),
      yesNo(u.disabled),
      u.createdAt.slice(0, 10),
    ]),
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  for (const row of rows)
    say(
      row
        .map((cell, column) => cell.padEnd(widths[column]))
        .join('  ')
        .trimEnd(),
    );
}

function describe(user: AdminUser): string {
  return `${user.username} <${user.email}> role=${user.role} confirmed=${yesNo(user.confirmed)} approved=${yesNo(user.approved)} disabled=${yesNo(user.disabled)} suspended=${yesNo(user.suspended)} silenced=${yesNo(user.silenced)}`;
}

function buildProgram(): Command {
  const program = new Command('mammut')
    .description('Operate a Mammut server (like Mastodon’s tootctl)')
    .showHelpAfterError();

  const accounts = program.command('accounts').description('local users');
  accounts
    .command('create <username>')
    .description('create a local user with a generated password')
    .requiredOption('--email <email>', 'e-mail address')
    .addOption(new Option('--role <role>', 'admin, moderator or user').argParser(parseRole).default('user'))
    .option('--confirmed', 'mark the e-mail address as confirmed (no mail is sent)', false)
    .action((username: string, options: { email: string; role: Role; confirmed: boolean }) =>
      withAccounts(async (bus) => {
        const { user, password } = await bus.request(admin.createUser, { username, ...options });
        say('OK');
        say(describe(user));
        say(`New password: ${password}`);
        if (!user.confirmed)
          say(`Confirm the address with: npm run mammut -- accounts modify ${username} --confirm`);
      }),
    );
  accounts
    .command('modify <username>')
    .description('change role, confirmation, approval or the disabled flag')
    .addOption(new Option('--role <role>', 'admin, moderator or user').argParser(parseRole))
    .option('--confirm', 'mark the e-mail address as confirmed')
    .option('--disable', 'stop the user from signing in')
    .option('--enable', 'let a disabled user sign in again')
    .option('--approve', 'approve a pending sign-up')
    .action(
      (
        username: string,
        options: { role?: Role; confirm?: boolean; disable?: boolean; enable?: boolean; approve?: boolean },
      ) =>
        withAccounts(async (bus) => {
          if (options.disable && options.enable) {
            throw new ContractError('invalid_request', 'Choose one of --disable and --enable');
          }
          const { userId } = await bus.request(admin.getUser, { username });
          const user = await bus.request(admin.modifyUser, {
            userId,
            role: options.role,
            confirm: options.confirm,
            approve: options.approve,
            disabled: options.disable ? true : options.enable ? false : undefined,
          });
          say('OK');
          say(describe(user));
        }),
    );
  accounts
    .command('list')
    .description('list local users, oldest first')
    .action(() => withAccounts(async (bus) => printUsers((await bus.request(admin.listUsers, {})).users)));
  accounts.addCommand(
    sanctionCommand(
      'suspend',
      'suspend a local account: its tokens and sessions stop working',
      (bus, accountId) => bus.request(admin.suspendAccount, { accountId }),
    ),
  );
  accounts.addCommand(
    sanctionCommand('unsuspend', 'lift a suspension', (bus, accountId) =>
      bus.request(admin.unsuspendAccount, { accountId }),
    ),
  );
  accounts.addCommand(
    sanctionCommand('silence', 'limit a local account’s reach', (bus, accountId) =>
      bus.request(admin.silenceAccount, { accountId }),
    ),
  );
  accounts.addCommand(
    sanctionCommand('unsilence', 'lift a limit', (bus, accountId) =>
      bus.request(admin.unsilenceAccount, { accountId }),
    ),
  );
  accounts
    .command('migrate <username>')
    .description('move a local account to another (the target must list it among its aliases)')
    .requiredOption('--target <acct>', 'the account to move to: user or user@domain')
    .option('--force', 'move even though the target does not list this account as an alias', false)
    .action((username: string, options: { target: string; force: boolean }) =>
      withAccounts(async (bus) => {
        const { accountId } = await bus.request(admin.getUser, { username });
        const found = await bus.request(contracts.accounts.profiles.lookupAccounts, {
          accts: [options.target],
        });
        const target = found.accounts[0];
        if (!target) throw new ContractError('not_found', `No account ${options.target}`);
        await bus.request(admin.moveAccount, { accountId, targetAccountId: target.id, force: options.force });
        say('OK');
      }),
    );
  accounts
    .command('aliases <username>')
    .description('list, add or remove the accounts a local account is also known as (a move to it needs one)')
    .option('--add <acct>', 'add an alias: user or user@domain, an account known here')
    .option('--remove <acct>', 'remove an alias: user@domain or its actor URI')
    .action((username: string, options: { add?: string; remove?: string }) =>
      withAccounts(async (bus) => {
        const migration = contracts.accounts.migration;
        const { accountId } = await bus.request(admin.getUser, { username });
        let { aliases } = await bus.request(migration.listAliases, { accountId });
        if (options.add) {
          const found = await bus.request(contracts.accounts.profiles.lookupAccounts, {
            accts: [options.add],
          });
          const target = found.accounts[0];
          if (!target) throw new ContractError('not_found', `No account ${options.add}`);
          ({ aliases } = await bus.request(migration.addAlias, { accountId, targetAccountId: target.id }));
        }
        if (options.remove) {
          const named = options.remove.replace(/^@/, '').toLowerCase();
          const alias = aliases.find((a) => a.uri === options.remove || a.acct?.toLowerCase() === named);
          if (!alias) throw new ContractError('not_found', `No alias ${options.remove}`);
          ({ aliases } = await bus.request(migration.removeAlias, { accountId, uri: alias.uri }));
        }
        for (const alias of aliases) say(`${alias.acct ?? '-'}\t${alias.uri}`);
      }),
    );
  accounts
    .command('delete <username>')
    .description(
      'delete a local account for good: relationships, user and tokens go, the name stays reserved',
    )
    .action((username: string) =>
      withAccounts(async (bus) => {
        const { accountId } = await bus.request(admin.getUser, { username });
        await bus.request(admin.deleteAccount, { accountId });
        say('OK');
      }),
    );

  // Instance-level domain blocks (Mastodon's admin domain blocks), enforced by federation.
  const domains = program.command('domains').description('instance domain blocks');
  domains
    .command('block <domain>')
    .description('block a domain and its subdomains, or change its block')
    .addOption(
      new Option('--severity <severity>', 'suspend, silence or noop (a new block: silence)').argParser(
        parseSeverity,
      ),
    )
    .option('--reject-media', 'download no media from it')
    .option('--reject-reports', 'ignore its reports')
    .option('--obfuscate', 'star out part of the name in the public list')
    .option('--public-comment <text>', 'the reason shown with the public list')
    .option('--private-comment <text>', 'a note for moderators only')
    .action(
      (
        domain: string,
        options: {
          severity?: DomainBlockSeverity;
          rejectMedia?: boolean;
          rejectReports?: boolean;
          obfuscate?: boolean;
          publicComment?: string;
          privateComment?: string;
        },
      ) =>
        withFederation(async (bus) => {
          const blocks = contracts.federation.domainBlocks;
          let block: DomainBlockRecord;
          try {
            ({ block } = await bus.request(blocks.create, { domain, ...options }));
          } catch (error) {
            if (!(error instanceof ContractError && error.code === 'conflict')) throw error;
            ({ block } = await bus.request(blocks.update, { domain, ...options }));
          }
          say('OK');
          say(describeBlock(block));
        }),
    );
  domains
    .command('unblock <domain>')
    .description('lift the block of a domain')
    .action((domain: string) =>
      withFederation(async (bus) => {
        await bus.request(contracts.federation.domainBlocks.remove, { domain });
        say('OK');
      }),
    );
  domains
    .command('list')
    .description('list the domain blocks')
    .action(() =>
      withFederation(async (bus) => {
        const { blocks } = await bus.request(contracts.federation.domainBlocks.list, {});
        if (!blocks.length) say('no domain blocks');
        for (const block of blocks) say(describeBlock(block));
      }),
    );

  // Relays (Mastodon's admin relays): the instance actor follows them, public posts go to them.
  const relays = program.command('relays').description('relays the instance subscribes to');
  relays
    .command('add <inbox-url>')
    .description("subscribe to a relay by its inbox URL (the relay's Accept makes it active)")
    .action((inboxUrl: string) =>
      withFederation(async (bus) => {
        const { relay } = await bus.request(contracts.federation.relays.add, { inboxUrl });
        say('OK');
        say(describeRelay(relay));
      }),
    );
  relays
    .command('remove <inbox-url>')
    .description('unsubscribe from a relay')
    .action((inboxUrl: string) =>
      withFederation(async (bus) => {
        await bus.request(contracts.federation.relays.remove, { inboxUrl });
        say('OK');
      }),
    );
  relays
    .command('list')
    .description('list the relays and the state of each subscription')
    .action(() =>
      withFederation(async (bus) => {
        const { relays: found } = await bus.request(contracts.federation.relays.list, {});
        if (!found.length) say('no relays');
        for (const relay of found) say(describeRelay(relay));
      }),
    );

  // Reports (from local users and other servers' Flags), read until the admin API comes.
  program
    .command('reports')
    .description('reports to the moderators')
    .command('list')
    .description('list unresolved reports, newest first')
    .option('--resolved', 'list resolved reports instead')
    .option('--limit <n>', 'at most this many', (value) => parseSeq(value), 100)
    .action((options: { resolved?: boolean; limit: number }) =>
      withModeration(async (bus) => {
        const { reports } = await bus.request(contracts.moderation.reports.list, {
          resolved: options.resolved ?? false,
          limit: Math.min(options.limit, 200),
        });
        if (!reports.length) say('no reports');
        for (const report of reports)
          say(
            `${report.id}  ${report.createdAt}  account=${report.accountId} target=${report.targetAccountId}  ${report.category}  statuses=${report.statusIds.join(',') || '-'}${report.forwarded ? '  forwarded' : ''}  "${report.comment}"`,
          );
      }),
    );

  // Jobs that ran out of tries (deliveries to a server that stayed down, among others).
  const dead = program
    .command('jobs')
    .description('background jobs')
    .command('dead')
    .description('dead letters');
  dead
    .command('list')
    .description('list jobs that ran out of tries, oldest first')
    .option('--subject <subject>', 'only jobs of this subject (jobs.federation.activity.deliver)')
    .option('--limit <n>', 'at most this many', (value) => parseSeq(value), 100)
    .action((options: { subject?: string; limit: number }) =>
      withDeadLetters(async (letters) => {
        const found = await letters.list(options);
        if (!found.length) say('no dead letters');
        for (const letter of found)
          say(
            `${letter.seq}  ${letter.failedAt}  ${letter.subject}  attempts=${letter.attempts}  ${letter.lastError}`,
          );
      }),
    );
  dead
    .command('replay <seq>')
    .description('put one dead letter (or `all`) back on its queue, tries counted afresh')
    .option('--subject <subject>', 'with `all`: only jobs of this subject')
    .action((seq: string, options: { subject?: string }) =>
      withDeadLetters(async (letters) => {
        if (seq === 'all') say(`replayed ${await letters.replayAll(options)}`);
        else {
          await letters.replay(parseSeq(seq));
          say('OK');
        }
      }),
    );
  dead
    .command('discard <seq>')
    .description('drop one dead letter for good')
    .action((seq: string) =>
      withDeadLetters(async (letters) => {
        await letters.discard(parseSeq(seq));
        say('OK');
      }),
    );

  const media = program.command('media').description('stored media');
  media
    .command('remove')
    .description(
      'remove the cached files of remote media fetched more than --days ago (tootctl media remove); they are fetched again when someone looks',
    )
    .option('--days <n>', 'age in days', (value) => parseSeq(value), 7)
    .action((options: { days: number }) =>
      withConfig(async (config) => {
        const removed = await withMediaCleanup(config, (cleanup) => cleanup.removeRemoteCache(options.days));
        say(`OK: removed the cached files of ${removed} remote attachments`);
      }),
    );
  media
    .command('sweep')
    .description(
      `remove now what the media service removes every MEDIA_SWEEP_MS: uploads no status took, remote attachments whose status never came, avatars and headers never used (older than ${UNATTACHED_RETENTION_HOURS} hours)`,
    )
    .option('--hours <n>', 'age in hours', (value) => parseSeq(value), UNATTACHED_RETENTION_HOURS)
    .action((options: { hours: number }) =>
      withConfig(async (config) => {
        const counts = await withMediaCleanup(config, (cleanup) => cleanup.sweep(options.hours));
        say(
          `OK: removed ${counts.unattached} unattached media and ${counts.profileImages} unused profile images`,
        );
      }),
    );

  program
    .command('search')
    .description('the search index')
    .command('deploy')
    .description(
      'rebuild the Elasticsearch/OpenSearch statuses index from the search tables into a new index, then switch the alias to it',
    )
    .option('--batch-size <n>', 'statuses per bulk request', (value) => parseSeq(value), 1000)
    .action((options: { batchSize: number }) =>
      withConfig(async (config) => {
        const progress = progressReporter();
        const result = await deploySearchIndex(config, {
          batchSize: options.batchSize,
          onBatch: (done) => progress.batch(done),
        });
        progress.end();
        if (result.backend === 'postgresql') {
          say(
            'nothing to deploy: search runs on PostgreSQL (ELASTICSEARCH_URL is unset), whose index the event consumers keep',
          );
          return;
        }
        say(
          `OK: ${result.index} holds ${result.copied} statuses (${result.caughtUp} copied again, ${result.removed} removed after the switch)`,
        );
        if (result.replaced.length) say(`deleted ${result.replaced.join(', ')}`);
        if (result.refused.length)
          say(
            `refused by the server (skipped): ${result.refused.length}: ${result.refused.slice(0, 20).join(', ')}`,
          );
      }),
    );

  const db = program.command('db').description('database');
  db.command('migrate')
    .description("apply every service's pending migrations")
    .action(() =>
      withConfig(async (config) => {
        await migrateAll(config);
        say('OK: every schema is up to date');
      }),
    );
  db.command('status')
    .description("list each service schema's pending migrations; exit code 0 only when none is behind")
    .option('--wait', 'ask again (also while PostgreSQL is unreachable) until every schema is up to date')
    .option('--timeout <seconds>', 'with --wait: give up (exit code 1) after this long', parseSeq, 600)
    .action((options: { wait?: boolean; timeout: number }) =>
      withConfig(async (config) => {
        const upToDate = await dbStatus(
          config,
          { wait: options.wait ?? false, timeoutMs: options.timeout * 1000 },
          say,
        );
        if (!upToDate) process.exitCode = 1;
      }),
    );
  return program;
}

async function main(): Promise<void> {
  await buildProgram().parseAsync(process.argv);
}

void main().catch((error: unknown) => {
  // Expected failures (validation, unknown user, schema behind, no servers) are the operator's to
  // fix: the message says how, a stack trace would only hide it.
  const expected = [ContractError, SchemaBehindError, InfraError, ConfigError].some(
    (kind) => error instanceof kind,
  );
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`mammut: ${message}\n`);
  if (!expected && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  process.exitCode = 1;
});
