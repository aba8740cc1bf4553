import { Inject, Injectable } from '@nestjs/common';
import { REDIS } from '@mammut/platform';
import type { Redis } from 'ioredis';
import { feedKey, StatusFeeds } from '../home/home-feeds';

/** List feeds (`feed:list:<list>`), kept and paged as home feeds are. */
@Injectable()
export class ListFeeds extends StatusFeeds {
  constructor(@Inject(REDIS) redis: Redis) {
    super(redis, feedKey.list);
  }
}
