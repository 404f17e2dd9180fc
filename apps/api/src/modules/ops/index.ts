export { createOpsModule, type OpsModuleDeps } from './module.js';
