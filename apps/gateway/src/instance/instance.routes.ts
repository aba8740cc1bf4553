import type { Provider, Type } from '@nestjs/common';
import { CustomEmojisController } from '../api/v1/custom-emojis.controller';
import { InstanceV1Controller } from '../api/v1/instance.controller';
import { InstanceV2Controller } from '../api/v2/instance.controller';
import { FederationProxyController } from '../federation/federation-proxy.controller';
import { HealthController } from '../health/health.controller';
import { InstanceAssetsController } from './instance-assets.controller';
import { InstanceFactsSource } from './instance-facts';

/** Instance metadata, ActivityPub and discovery documents (passed to federation) and health. */
export const instanceControllers: Type[] = [
  InstanceV1Controller,
  InstanceV2Controller,
  CustomEmojisController,
  InstanceAssetsController,
  FederationProxyController,
  HealthController,
];

export const instanceProviders: Provider[] = [InstanceFactsSource];
