export * from './operation.js';
export * from './spec.js';
export * from './module.js';
export * from './router.js';
export * from './server.js';
export * from './security.js';
export * from './error-handler.js';
