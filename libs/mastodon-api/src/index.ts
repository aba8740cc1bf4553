export * from './context';
export * from './entities';
export * from './accounts.serializer';
export * from './applications.serializer';
export * from './instance.entities';
export * from './instance.serializer';
export * from './statuses.serializer';
export * from './notifications.serializer';
