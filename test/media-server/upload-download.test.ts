// Uploads and downloads through the real HTTP API: types judged by bytes, limits, duplicates,
// ranges, tenancy and hostile names. SQLite with the local folder; MariaDB with S3 (s3rver).
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { DB_KINDS } from '../helpers/databases.js';
import { MediaEntity } from '../../shared/db/entities/index.js';
import { signedMediaUrl } from '../../media-server/index.js';
import * as f from './media-fixtures.js';
import { createOtherTenant, download, onServer, startMediaApp, upload, type MediaApp } from './media-app.js';

for (const db of DB_KINDS) {
  describe(`media upload and download (${db})`, function () {
    let m: MediaApp;
    let token: string;
    let url: string;
    before(async () => {
      m = await startMediaApp(db);
      token = await m.app.login('agent1@demo.local');
      url = `${m.app.url}/api/v1/media`;
    });
    after(async () => { await m.stop(); });

    it(`stores a picture in the ${db === 'mysql' ? 's3' : 'local'} store, with its hash, and serves it back with a thumbnail`, async () => {
      const bytes = await f.png(800, 600);
      const res = await upload(url, bytes, 'receipt.png', { token, type: 'image/png' });
      expect(res.status).to.equal(201);
      expect(res.body).to.include({ mimeType: 'image/png', size: bytes.length, url: `/api/v1/media/${res.body.id}`, fileName: 'receipt.png' });
      const row = await m.app.ctx.db.manager.findOneByOrFail(MediaEntity, { id: res.body.id });
      expect(row.sha256).to.equal(createHash('sha256').update(bytes).digest('hex'));
      expect(row.storageKey).to.match(/^[0-9a-f-]{36}\/\d{4}\/\d{2}\/\d{2}\/[0-9a-f]{64}$/);

      const got = await download(m.app.url + res.body.url, token);
      expect(got.status).to.equal(200);
      expect(got.bytes.equals(bytes)).to.equal(true);
      expect(got.headers.get('content-type')).to.equal('image/png');
      expect(got.headers.get('content-disposition')).to.match(/^inline; filename="receipt.png"/);
      expect(got.headers.get('x-content-type-options')).to.equal('nosniff');

      const thumb = await download(m.app.url + res.body.thumbnailUrl, token);
      expect(thumb.status).to.equal(200);
      expect(thumb.headers.get('content-type')).to.equal('image/jpeg');
      expect([...thumb.bytes.subarray(0, 3)]).to.deep.equal([0xff, 0xd8, 0xff]); // a JPEG, as LINE and others want previews
      expect(thumb.bytes.length).to.be.lessThan(bytes.length);
    });

    it('accepts each allowed kind of file, judged by its bytes', async () => {
      const cases: [Buffer, string, string][] = [
        [await f.jpeg(64, 64), 'a.jpg', 'image/jpeg'], [f.pdf(), 'contract.pdf', 'application/pdf'],
        [f.oggOpus(), 'voice.ogg', 'audio/ogg'], [f.isoMedia('M4A '), 'memo.m4a', 'audio/mp4'], [f.amr(), 'note.amr', 'audio/amr'],
        [f.isoMedia('isom'), 'clip.mp4', 'video/mp4'], [f.isoMedia('3gp4'), 'clip.3gp', 'video/3gpp'], [f.isoMedia('qt  '), 'clip.mov', 'video/quicktime'],
        [f.docx(), 'letter.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'], [f.text(), 'notes.txt', 'text/plain'],
      ];
      for (const [bytes, name, mimeType] of cases) {
        const res = await upload(url, bytes, name, { token });
        expect(res.status, name).to.equal(201);
        expect(res.body.mimeType, name).to.equal(mimeType);
      }
    });

    it('names a file by what it is: a PNG sent as photo.jpg is a PNG called photo.png', async () => {
      const res = await upload(url, await f.png(10, 10), 'photo.jpg', { token, type: 'image/jpeg' });
      expect(res.status).to.equal(201);
      expect(res.body).to.include({ mimeType: 'image/png', fileName: 'photo.png' });
    });

    it('refuses executables and archives whatever their name and claimed type (415), keeping nothing', async () => {
      const before = await m.objectKeys();
      const rowsBefore = await m.app.ctx.db.manager.count(MediaEntity);
      for (const [bytes, name, type] of [[f.elf(), 'cat.jpg', 'image/jpeg'], [f.exe(100_000), 'invoice.pdf', 'application/pdf'], [f.zip([['a.txt', 'x']]), 'photos.zip', 'application/zip'], [Buffer.from([0, 1, 2, 3, 0xfe, 0xff, 0, 0]), 'blob.bin', 'image/png']] as const) {
        const res = await upload(url, bytes, name, { token, type });
        expect(res.status, name).to.equal(415);
        expect(res.body.error.code).to.equal('unsupported_type');
      }
      const res = await upload(url, f.exe(), 'setup.jpg', { token });
      expect(res.body.error.message).to.contain('application/x-msdownload');
      expect(await m.objectKeys()).to.deep.equal(before);
      expect(await m.app.ctx.db.manager.count(MediaEntity)).to.equal(rowsBefore);
    });

    it('answers 413 over the tenant\'s limit, whether the size is declared or only found while streaming, keeping nothing', async () => {
      const admin = await m.app.login('admin@demo.local');
      const set = await m.app.api('PUT', '/api/v1/media-limits', { token: admin, body: { maxBytes: 50_000 } });
      expect(set.status).to.equal(200);
      expect(set.body.maxBytes).to.equal(50_000);
      try {
        const before = await m.objectKeys();
        const rowsBefore = await m.app.ctx.db.manager.count(MediaEntity);
        const declaredTooLarge = await upload(url, f.pdf(500_000), 'big.pdf', { token });
        expect(declaredTooLarge.status).to.equal(413);
        expect(declaredTooLarge.body.error.code).to.equal('too_large');
        const foundWhileStreaming = await upload(url, f.pdf(80_000), 'bigger.pdf', { token }); // under limit + multipart overhead allowance
        expect(foundWhileStreaming.status).to.equal(413);
        expect(await upload(url, f.pdf(49_000), 'fits.pdf', { token })).to.have.property('status', 201);
        expect((await m.objectKeys()).length).to.equal(before.length + 1);
        expect(await m.app.ctx.db.manager.count(MediaEntity)).to.equal(rowsBefore + 1);
      } finally {
        await m.app.api('PUT', '/api/v1/media-limits', { token: admin, body: { maxBytes: null } });
      }
      const agentTries = await m.app.api('PUT', '/api/v1/media-limits', { token, body: { maxBytes: 10_000_000 } });
      expect(agentTries.status).to.equal(403);
    });

    it('streams a file larger than one part through a temporary key, and refuses one found too large past it', async () => {
      const big = f.pdf(7 * 1024 * 1024 + 77);
      const res = await upload(url, big, 'scan.pdf', { token });
      expect(res.status).to.equal(201);
      expect((await download(m.app.url + res.body.url, token)).bytes.equals(big)).to.equal(true);
      const admin = await m.app.login('admin@demo.local');
      await m.app.api('PUT', '/api/v1/media-limits', { token: admin, body: { maxBytes: 6_000_000 } });
      try {
        const before = await m.objectKeys();
        const tooBig = await upload(url, f.pdf(6_050_000), 'scan2.pdf', { token }); // declared size within the multipart allowance
        expect(tooBig.status).to.equal(413);
        expect(await m.objectKeys()).to.deep.equal(before);
      } finally {
        await m.app.api('PUT', '/api/v1/media-limits', { token: admin, body: { maxBytes: null } });
      }
    });

    it('stores the same bytes twice once: one row, one object, the same id', async () => {
      const bytes = f.pdf(30_000);
      const before = (await m.objectKeys()).length;
      const a = await upload(url, bytes, 'first.pdf', { token });
      const b = await upload(url, bytes, 'second name.pdf', { token: await m.app.login('agent2@demo.local') });
      expect(a.status).to.equal(201);
      expect(b.status).to.equal(201);
      expect(b.body.id).to.equal(a.body.id);
      expect((await m.objectKeys()).length).to.equal(before + 1);
      const sha = createHash('sha256').update(bytes).digest('hex');
      expect(await m.app.ctx.db.manager.countBy(MediaEntity, { sha256: sha })).to.equal(1);

      // Also when the copies arrive at the same moment.
      const same = f.pdf(20_000);
      const together = await Promise.all([1, 2, 3].map((i) => upload(url, same, `copy-${i}.pdf`, { token })));
      expect(together.map((r) => r.status)).to.deep.equal([201, 201, 201]);
      expect(new Set(together.map((r) => r.body.id)).size).to.equal(1);
      const sameSha = createHash('sha256').update(same).digest('hex');
      expect(await m.app.ctx.db.manager.countBy(MediaEntity, { sha256: sameSha })).to.equal(1);
      expect((await m.objectKeys()).filter((k) => k.endsWith(sameSha))).to.have.length(1);
    });

    it('serves byte ranges (206) so that players can seek, and 416 outside the file', async () => {
      const bytes = f.oggOpus(100_000);
      const { body } = await upload(url, bytes, 'voice.ogg', { token });
      const part = await download(m.app.url + body.url, token, { range: 'bytes=1000-1999' });
      expect(part.status).to.equal(206);
      expect(part.headers.get('content-range')).to.equal('bytes 1000-1999/100000');
      expect(part.headers.get('content-length')).to.equal('1000');
      expect(part.bytes.equals(bytes.subarray(1000, 2000))).to.equal(true);
      const tail = await download(m.app.url + body.url, token, { range: 'bytes=-500' });
      expect(tail.status).to.equal(206);
      expect(tail.bytes.equals(bytes.subarray(99_500))).to.equal(true);
      const open = await download(m.app.url + body.url, token, { range: 'bytes=99990-' });
      expect(open.bytes.equals(bytes.subarray(99_990))).to.equal(true);
      const outside = await download(m.app.url + body.url, token, { range: 'bytes=100000-100010' });
      expect(outside.status).to.equal(416);
      expect(outside.headers.get('content-range')).to.equal('bytes */100000');
      const whole = await download(m.app.url + body.url, token);
      expect(whole.headers.get('accept-ranges')).to.equal('bytes');
      expect(whole.headers.get('content-disposition')).to.match(/^inline/);
      const again = await download(m.app.url + body.url, token, { 'if-none-match': whole.headers.get('etag')! });
      expect(again.status).to.equal(304);
      const head = await fetch(m.app.url + body.url, { method: 'HEAD', headers: { authorization: `Bearer ${token}` } });
      expect(head.status).to.equal(200);
      expect(head.headers.get('content-length')).to.equal('100000');
    });

    it('hides a tenant\'s media from every other tenant (404) and from callers without a token (401)', async () => {
      const { body } = await upload(url, f.pdf(3000), 'private.pdf', { token });
      const other = await createOtherTenant(m.app, `other-${db}`);
      expect((await download(`${m.app.url}/api/v1/media/${body.id}`, other.token)).status).to.equal(404);
      expect((await download(`${m.app.url}/api/v1/media/${body.id}/thumbnail`, other.token)).status).to.equal(404);
      expect((await download(`${m.app.url}/api/v1/media/${body.id}/link`, other.token)).status).to.equal(404);
      expect((await download(`${m.app.url}/api/v1/media/${body.id}`)).status).to.equal(401);
      expect((await upload(url, f.pdf(), 'x.pdf')).status).to.equal(401);
      // The other tenant's own upload of the same bytes is its own file.
      const theirs = await upload(url, (await download(`${m.app.url}/api/v1/media/${body.id}`, token)).bytes, 'copy.pdf', { token: other.token });
      expect(theirs.status).to.equal(201);
      expect(theirs.body.id).to.not.equal(body.id);
    });

    it('keeps hostile file names out of paths and headers', async () => {
      const names: [string, string | RegExp][] = [
        ['../../../etc/passwd.png', 'passwd.png'], ['..\\..\\windows\\system32\\evil.png', 'evil.png'],
        ['.htaccess', 'htaccess.png'], ['report"\r\nX-Injected: yes.png', /^report.*X-Injected.*yes\.png$/],
      ];
      for (const [i, [name, shown]] of names.entries()) {
        const res = await upload(url, await f.png(12, 12 + i), name, { token });
        expect(res.status, name).to.equal(201);
        if (typeof shown === 'string') expect(res.body.fileName, name).to.equal(shown);
        else expect(res.body.fileName, name).to.match(shown);
        expect(res.body.fileName).to.not.match(/[/\\\r\n"]/);
        const got = await download(m.app.url + res.body.url, token);
        expect(got.headers.get('x-injected')).to.equal(null);
        expect(got.headers.get('content-disposition')).to.match(/^inline; filename="[A-Za-z0-9._ -]+"; filename\*=UTF-8''\S+$/);
      }
      // Keys are ours: tenant/yyyy/mm/dd/sha256 (and its thumbnail), and no upload left behind in tmp/.
      expect((await m.objectKeys()).filter((k) => !/^[0-9a-f-]{36}\/\d{4}\/\d{2}\/\d{2}\/[0-9a-f]{64}(-thumb\.jpg)?$/.test(k))).to.deep.equal([]);
      expect((await download(`${m.app.url}/api/v1/media/..%2f..%2fetc%2fpasswd`, token)).status).to.equal(404);
    });

    it('gives signed links that work without a token until they expire, and refuses forged ones', async () => {
      const bytes = f.pdf(5000);
      const { body } = await upload(url, bytes, 'statement.pdf', { token });
      const link = await m.app.api('GET', `/api/v1/media/${body.id}/link`, { token });
      expect(link.status).to.equal(200);
      const got = await download(onServer(m.app, link.body.url));
      expect(got.status).to.equal(200);
      expect(got.bytes.equals(bytes)).to.equal(true);
      expect(got.headers.get('content-disposition')).to.match(/^attachment; filename="statement.pdf"/);
      const forged = onServer(m.app, link.body.url).replace(/sig=([^&]{4})/, 'sig=AAAA');
      expect((await download(forged)).status).to.equal(403);
      const expired = onServer(m.app, signedMediaUrl(m.app.ctx, body.id, -120));
      expect((await download(expired)).status).to.equal(403);
    });
  });
}
