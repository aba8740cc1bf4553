export * from './test-infra';
export * from './minio';
