// Closing a deployment closes everything it opened: an operator's stop (or a test's) ends the
// process without a forced exit, so no connection or timer of ours outlives it.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('shutdown', function () {
  this.timeout(60_000);

  it('leaves nothing open: the process ends by itself once the deployment is closed', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/foundation/fixtures/start-and-close.ts'], {
      cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    let closedAt = 0;
    child.stdout.on('data', () => { if (!closedAt && out.includes('closed')) closedAt = Date.now(); });
    const code = await new Promise<number | null>((resolve) => {
      const kill = setTimeout(() => { child.kill('SIGKILL'); resolve(-1); }, 45_000);
      child.on('exit', (c) => { clearTimeout(kill); resolve(c); });
    });
    expect(out, out).to.include('closed');
    expect(code, `still running after close: ${out}`).to.equal(0);
    expect(Date.now() - closedAt, 'time from close to exit').to.be.below(5_000);
  });
});
