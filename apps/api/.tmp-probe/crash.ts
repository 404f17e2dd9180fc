import { startPostgres } from '../test/harness/postgres.js';
const c = await startPostgres();
console.log('ready', c.port);
setInterval(() => {}, 1000);
