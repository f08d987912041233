export * from './schema.ts';
export * from './connect.ts';
export * from './migrations.ts';
export * from './unique-violation.ts';
