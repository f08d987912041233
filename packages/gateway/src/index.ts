export * from './config.ts';
export * from './server.ts';
export * from './services.ts';
export * from './app.ts';
export * from './merchants/merchant-service.ts';
export * from './payments/objects.ts';
export * from './reconcile/reconcile.ts';
