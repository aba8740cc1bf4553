import type { Provider, Type } from '@nestjs/common';
import { CustomEmojisController } from '../api/v1/custom-emojis.controller';
import { InstanceV1Controller } from '../api/v1/instance.controller';
import { InstanceV2Controller } from '../api/v2/instance.controller';
import { HealthController } from '../health/health.controller';
import { HostMetaController } from '../well-known/host-meta.controller';
import { NodeInfoController } from '../well-known/nodeinfo.controller';
import { WebfingerController } from '../well-known/webfinger.controller';
import { InstanceAssetsController } from './instance-assets.controller';
import { InstanceFactsSource } from './instance-facts';

/** Instance metadata, discovery documents and health: the routes clients and peers call first. */
export const instanceControllers: Type[] = [
  InstanceV1Controller,
  InstanceV2Controller,
  CustomEmojisController,
  InstanceAssetsController,
  WebfingerController,
  HostMetaController,
  NodeInfoController,
  HealthController,
];

export const instanceProviders: Provider[] = [InstanceFactsSource];
