import { PGlite } from '@electric-sql/pglite';
const t0 = Date.now();
const db = await PGlite.create({ parsers: { 20: (v: string) => v } });
console.log('start ms', Date.now() - t0);
const r = await db.query(`select 1::int8 as a, 1.5::numeric as n, now() as t, '{1,2}'::int8[] as arr, to_regclass('nosuch.foo') as rc, '{"a":1}'::jsonb as j`);
console.log(r.rows, typeof (r.rows[0] as any).n, r.rowCount, r.affectedRows);
await db.exec('create table x(a int); insert into x values (1),(2);');
const u = await db.query('update x set a = a+1');
console.log('upd', u.rowCount, u.affectedRows);
const s = await db.query('select * from x');
console.log('sel', s.rowCount, s.affectedRows);
await db.listen('"My-Chan"', (p) => console.log('got', p));
await db.query(`select pg_notify('My-Chan', 'hello')`);
try { await db.query('insert into x values ($1)', ['abc']); } catch (e: any) { console.log(e.constructor.name, e.code, e.message, Object.keys(e)); }
const b = await db.query('BEGIN'); console.log(b.command);
try { await db.query('select 1/0'); } catch (e: any) { console.log('err', e.code); }
const c = await db.query('COMMIT'); console.log('commit cmd', c.command);
await db.close();
