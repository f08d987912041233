export { buildSimulator, startSimulator, type RunningSimulator, type SimulatorOptions } from './server.ts';
export { testCodeBehaviour } from './wallet-book.ts';
export type { FaultRule } from './faults.ts';
