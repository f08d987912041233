export { buildSimulator, startSimulator, type RunningSimulator, type SimulatorOptions } from './server.ts';
export { testCodeBehaviour } from './wallet-book.ts';
export type { FaultRule } from './faults.ts';
export { CA_CERT_FILE, SimTls } from './certificates/sim-tls.ts';
export { CERTIFICATE_REFUSED } from './wechat/wechat-api.ts';
export type { MerchantRegistration } from './merchant-registration.ts';
