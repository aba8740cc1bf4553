import { z } from 'zod';
import { defineEvent, defineRequest } from '../define';
import { id, isoDate } from '../accounts/records';

/**
 * What an instance domain block does to its domain and every subdomain (Mastodon's DomainBlock):
 * `suspend` refuses its activities, fetches and deliveries; `silence` limits its accounts' reach;
 * `noop` only carries the flags.
 */
export const domainBlockSeverity = z.enum(['suspend', 'silence', 'noop']);
export type DomainBlockSeverity = z.infer<typeof domainBlockSeverity>;

/** One instance domain block as the operator sees it. */
export const domainBlockRecord = z.object({
  id,
  /** Lower-case ASCII (IDNA) host, a port only when the block names one. */
  domain: z.string(),
  severity: domainBlockSeverity,
  /** No media, avatars or emoji are downloaded from it. */
  rejectMedia: z.boolean(),
  /** Its reports (`Flag`) are ignored. */
  rejectReports: z.boolean(),
  /** The public list shows the name partly starred out. */
  obfuscate: z.boolean(),
  privateComment: z.string().nullable(),
  publicComment: z.string().nullable(),
  createdAt: isoDate,
  updatedAt: isoDate,
});
export type DomainBlockRecord = z.infer<typeof domainBlockRecord>;

/** A host as an operator types it (`Example.COM.`, `bücher.example`); the service normalises it. */
const domainInput = z.string().trim().min(1).max(260);
const comment = z.string().max(1000).nullable();

const changes = {
  severity: domainBlockSeverity.optional(),
  rejectMedia: z.boolean().optional(),
  rejectReports: z.boolean().optional(),
  obfuscate: z.boolean().optional(),
  privateComment: comment.optional(),
  publicComment: comment.optional(),
};

/**
 * The instance's domain blocks, kept by federation, which enforces them (operators reach them
 * through the CLI now, the admin API later). `invalid_request` for a domain that is not a host.
 */
export const federationDomainBlocks = {
  /** A new block; `severity` defaults to `silence` as Mastodon's. `conflict` when the domain already has one. */
  create: defineRequest('federation.domain_block.create', {
    request: z.object({ domain: domainInput, ...changes }).strict(),
    response: z.object({ block: domainBlockRecord }),
  }),
  /** Changes the named fields of the domain's block; `not_found` without one. */
  update: defineRequest('federation.domain_block.update', {
    request: z.object({ domain: domainInput, ...changes }).strict(),
    response: z.object({ block: domainBlockRecord }),
  }),
  /** Lifts the domain's block; `not_found` without one. */
  remove: defineRequest('federation.domain_block.remove', {
    request: z.object({ domain: domainInput }).strict(),
    response: z.object({}),
  }),
  /** Every block, in Mastodon's order: noop, silence, suspend, then by domain. */
  list: defineRequest('federation.domain_block.list', {
    request: z.object({}).strict(),
    response: z.object({ blocks: z.array(domainBlockRecord) }),
  }),
  events: {
    /**
     * A block was created, changed or lifted (`severity` null). `since` is the block's creation
     * time: accounts silences and suspends the domain's accounts with it, and lifts only what
     * carries it (Mastodon's BlockDomainService and UnblockDomainService), so an account
     * sanctioned on its own stays so.
     */
    domainBlockChanged: defineEvent('events.federation.domain_block.changed', {
      version: 1,
      aggregate: (p: { domain: string }) => `domain_block:${p.domain}`,
      payload: z.object({ domain: z.string(), severity: domainBlockSeverity.nullable(), since: isoDate }),
    }),
  },
};
