export * from './test-infra';
export * from './minio';
export * from './ports';
export * from './metrics';
