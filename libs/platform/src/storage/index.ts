export * from './media-storage';
export * from './local-disk-storage';
export * from './s3-media-storage';
export * from './create-media-storage';
