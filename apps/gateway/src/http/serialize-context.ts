import type { Provider } from '@nestjs/common';
import type { SerializeContext } from '@mammut/mastodon-api';
import { CONFIG, type Config } from '@mammut/platform';

export const SERIALIZE_CONTEXT = Symbol('SERIALIZE_CONTEXT');

export const serializeContextProvider: Provider = {
  provide: SERIALIZE_CONTEXT,
  inject: [CONFIG],
  useFactory: (config: Config): SerializeContext => ({
    origin: config.publicOrigin,
    localDomain: config.localDomain,
  }),
};
