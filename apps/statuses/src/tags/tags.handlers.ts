import { Injectable } from '@nestjs/common';
import { contracts, defineHandlers } from '@mammut/contracts';
import { FeaturedTags } from './featured-tags.service';
import { Tags } from './tags.service';

@Injectable()
export class TagsHandlers {
  constructor(
    private readonly tags: Tags,
    private readonly featured: FeaturedTags,
  ) {}

  readonly bound = defineHandlers(contracts.statuses.tags, {
    getTags: async ({ names, viewerId }) => ({ tags: await this.tags.get(names, viewerId) }),
    followTag: ({ accountId, name }) => this.tags.follow(accountId, name),
    unfollowTag: ({ accountId, name }) => this.tags.unfollow(accountId, name),
    listFollowedTags: async ({ accountId, page }) => ({ items: await this.tags.followed(accountId, page) }),
    listTagStatuses: async (request) => ({ statuses: await this.tags.timeline(request) }),
    listFeaturedTags: async ({ accountId }) => ({ featuredTags: await this.featured.list(accountId) }),
    featureTag: ({ accountId, name }) => this.featured.feature(accountId, name),
    unfeatureTag: ({ accountId, featuredTagId }) => this.featured.unfeature(accountId, featuredTagId),
    suggestFeaturedTags: async ({ accountId }) => ({ tags: await this.featured.suggestions(accountId) }),
    listTagFollowers: async ({ names, after, limit }) => ({
      followers: await this.tags.followers(names, after, limit),
    }),
  });
}
