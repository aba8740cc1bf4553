export * from './test-infra';
export * from './images';
