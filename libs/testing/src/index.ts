export * from './test-infra';
export * from './minio';
export * from './ports';
