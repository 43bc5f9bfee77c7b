export { main } from './main.ts';
export { startConsumer, type ConsumerServer } from './server.ts';
export { consumerConfigSpec, loadConsumerConfig, type ConsumerConfig } from './config.ts';
export { buildConsumerApp, type ConsumerDeps } from './app.ts';
