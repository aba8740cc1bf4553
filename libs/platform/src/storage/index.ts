export * from './media-storage';
export * from './local-disk-storage';
