import { createHash } from 'node:crypto';
import type { DomainBlockRecord } from '@mammut/contracts';
import type { MDomainBlock } from './instance.entities';

/**
 * The name the public list shows (Mastodon's DomainBlock#public_domain): an obfuscated block
 * keeps its first and last quarter and every dot, the rest starred out.
 */
export function publicDomainOf(block: Pick<DomainBlockRecord, 'domain' | 'obfuscate'>): string {
  if (!block.obfuscate) return block.domain;
  const visible = Math.floor(block.domain.length / 4);
  const last = block.domain.length - visible;
  return [...block.domain].map((char, i) => (i > visible && i < last && char !== '.' ? '*' : char)).join('');
}

/**
 * The blocks the public list shows, as Mastodon's instance domain_blocks endpoint: only those that
 * limit the domain (silence, suspend), in the order given; the public comment only `withComment`.
 */
export function serializeDomainBlocks(
  blocks: readonly DomainBlockRecord[],
  withComment: boolean,
): MDomainBlock[] {
  return blocks.flatMap((block) =>
    block.severity === 'noop'
      ? []
      : [
          {
            domain: publicDomainOf(block),
            digest: createHash('sha256').update(block.domain).digest('hex'),
            severity: block.severity,
            ...(withComment ? { comment: block.publicComment } : {}),
          },
        ],
  );
}
