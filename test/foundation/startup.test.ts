// Start-up as an operator sees it: one clear line when a dependency is missing, a subset of
// services per process, and two real processes behind one Redis serving one tenant.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { agentSocket, customerSocket, emitAck, once } from '../helpers/sockets.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

function runMain(env: Record<string, string>, args: string[] = []): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'main.ts', ...args], {
    cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '', stderr = '';
  child.stdout!.on('data', (d) => { stdout += d; });
  child.stderr!.on('data', (d) => { stderr += d; });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

/** Resolves with the port once the process prints that it is running. */
function portOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /on port (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.stderr!.on('data', (d) => { err += d; });
    child.on('exit', (code) => reject(new Error(`process exited ${code}: ${err}`)));
  });
}

describe('start-up', function () {
  this.timeout(30000);

  it('stops with one line naming Redis, where, and how to fix it, when Redis is unreachable', async () => {
    const r = await exitOf(runMain({ REDIS_URL: 'redis://127.0.0.1:1', DATA_DIR: `/tmp/cc-${randomUUID()}` }));
    expect(r.code).to.equal(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(/^Cannot start: Cannot reach Redis at 127\.0\.0\.1:1 .*Start it \(redis-server\) or set REDIS_URL\.$/);
  });

  it('stops with one line when the configured MySQL cannot be reached', async () => {
    const r = await exitOf(runMain({ DATABASE_URL: 'mysql://root@127.0.0.1:1/callcenter', DATA_DIR: `/tmp/cc-${randomUUID()}` }));
    expect(r.code).to.equal(1);
    expect(r.stderr.trim().split('\n')).to.have.length(1);
    expect(r.stderr).to.match(/Cannot open the database \(MySQL at 127\.0\.0\.1:1\/callcenter\).*set DATABASE_URL/);
  });

  it('refuses a bad setting and an unknown service name with a sentence, not a stack', async () => {
    const bad = await exitOf(runMain({ PORT: 'eighty', DATA_DIR: `/tmp/cc-${randomUUID()}` }));
    expect(bad.code).to.equal(1);
    expect(bad.stderr.trim()).to.match(/^Cannot start: Bad configuration: PORT: /);
    const unknown = await exitOf(runMain({ DATA_DIR: `/tmp/cc-${randomUUID()}` }, ['--services', 'gateway,swich']));
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr.trim()).to.equal('Cannot start: --services: unknown service "swich"; choose from gateway, switch, queue-machine, media-server, autoresponder, agent-console');
  });

  describe('two real processes behind one Redis', () => {
    let app: TestApp;
    let child: ChildProcess | undefined;
    beforeEach(async () => { app = await startTestApp({ db: 'sqlite' }); });
    afterEach(async () => {
      child?.kill('SIGTERM');
      if (child && child.exitCode === null) await new Promise((r) => child!.once('exit', r));
      await app.stop();
    });

    it('create-tenant makes a tenant whose admin can sign in, and refuses a duplicate slug', async () => {
      const env = { DATABASE_URL: app.db.url, DATA_DIR: app.db.dataDir, REDIS_PREFIX: app.prefix, SECRET_KEY: 'a'.repeat(64), SEED_DEMO: 'false' };
      const made = await exitOf(runMain(env, ['create-tenant', 'acme', 'Boss@Acme.test', 'Acme', 'Bank']));
      expect(made.code, made.stderr).to.equal(0);
      const password = /with password (\S+) \(shown once\)/.exec(made.stdout)?.[1];
      expect(password).to.be.a('string');
      const token = await app.login('boss@acme.test', password, 'acme');
      const queues = await app.api('GET', '/api/v1/queues', { token });
      expect(queues.body.items.map((q: any) => q.name)).to.deep.equal(['General']);
      const again = await exitOf(runMain(env, ['create-tenant', 'acme', 'other@acme.test']));
      expect(again.code).to.equal(1);
      expect(again.stderr.trim()).to.equal('Cannot create the tenant: A tenant "acme" exists already.');
    });

    it('a gateway+switch process serves the customer while the agent is connected to the other', async () => {
      child = runMain({
        PORT: '0', HOST: '127.0.0.1', DATABASE_URL: app.db.url, DATA_DIR: app.db.dataDir, REDIS_PREFIX: app.prefix,
        SECRET_KEY: 'a'.repeat(64), SEED_DEMO: 'false',
      }, ['--services', 'gateway,switch']);
      const port = await portOf(child);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).to.equal(200);
      // The subset process has no console: its REST API is absent.
      expect((await fetch(`http://127.0.0.1:${port}/api/v1/queues`)).status).to.equal(404);

      const token = await app.login('agent1@demo.local');
      const agent = await agentSocket(app.url, token);
      try {
        await emitAck(agent, 'agent:status', { status: 'online' });
        const { socket: customer } = await customerSocket(`http://127.0.0.1:${port}`, app.channelId);
        try {
          const assigned = once(agent, 'conversation:assigned');
          await emitAck(customer, 'message:send', { text: 'hello from the other process', clientMessageId: randomUUID() });
          const a = await assigned;
          expect(a.messages[0].text).to.equal('hello from the other process');
          const reply = once(customer, 'message:new', (p) => p.message.direction === 'out');
          await emitAck(agent, 'message:send', { conversationId: a.conversation.id, text: 'got it', clientMessageId: randomUUID() });
          expect((await reply).message.text).to.equal('got it');
        } finally { customer.close(); }
      } finally { agent.close(); }
    });
  });
});
