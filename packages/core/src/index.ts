export * from './money.ts';
export * from './errors.ts';
export * from './ids.ts';
export * from './wallet.ts';
export * from './payment-state.ts';
export * from './connector.ts';
export * from './secret.ts';
export * from './secret-box.ts';
