import { CreateMediaAttachments1796181316521 } from './1796181316521-CreateMediaAttachments';

/** Every migration of the media schema, in order. */
export const mediaMigrations = [CreateMediaAttachments1796181316521];
