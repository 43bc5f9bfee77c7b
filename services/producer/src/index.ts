export { main } from './main.ts';
export { createProducer, EXIT, type Producer } from './app.ts';
export { startProducer, type StartProducerOptions } from './start-producer.ts';
export { producerConfigSpec, loadProducerConfig } from './config.ts';
export type { ProducerSettings } from './settings.ts';
