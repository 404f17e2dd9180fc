import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { getHeapStatistics } from 'node:v8';
import { heapLimit } from '../../src/platform/http/load-monitor.js';

describe('heapLimit', () => {
  it('tells a heap limit set on the command line or in NODE_OPTIONS from V8’s own default', () => {
    assert.equal(heapLimit(['--max-old-space-size=512'], undefined).explicit, true);
    assert.equal(heapLimit(['--max_old_space_size=512'], undefined).explicit, true);
    assert.equal(heapLimit([], '--enable-source-maps --max-old-space-size=256').explicit, true);
    assert.equal(heapLimit(['--max-semi-space-size=16'], '--max-old-space-size-percentage=50').explicit, false);
    assert.equal(heapLimit([], undefined).explicit, false);
    assert.equal(heapLimit([], undefined).limitMb, Math.round(getHeapStatistics().heap_size_limit / 2 ** 20));
  });

  it('reports the limit V8 applies, which --max-old-space-size sets', () => {
    const script = "console.log(Math.round(require('node:v8').getHeapStatistics().heap_size_limit / 2 ** 20))";
    const limited = Number(execFileSync(process.execPath, ['--max-old-space-size=512', '-e', script], { encoding: 'utf8' }));
    // The old space plus V8's young generation.
    assert.ok(limited >= 512 && limited < 600, `limit with the flag: ${limited} MiB`);
  });
});
