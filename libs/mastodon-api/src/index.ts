export * from './context';
export * from './entities';
export * from './accounts.serializer';
export * from './applications.serializer';
