export * from './app-error.js';
export * from './precondition.js';
