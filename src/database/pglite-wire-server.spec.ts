import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { listenCommand, PGliteWireServer } from './pglite-wire-server.js';

function query(text: string): Buffer {
  const body = Buffer.from(`${text}\0`);
  const header = Buffer.alloc(5);
  header[0] = 0x51;
  header.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([header, body]);
}

describe('listenCommand', () => {
  it('recognises LISTEN and UNLISTEN as Postgres names channels', () => {
    expect(listenCommand(query('LISTEN token_revocations'))).toEqual({ listen: true, channel: 'token_revocations' });
    expect(listenCommand(query('listen MixedCase;'))).toEqual({ listen: true, channel: 'mixedcase' });
    expect(listenCommand(query('LISTEN "Quoted ""x"""'))).toEqual({ listen: true, channel: 'Quoted "x"' });
    expect(listenCommand(query('UNLISTEN ch'))).toEqual({ listen: false, channel: 'ch' });
    expect(listenCommand(query('UNLISTEN *'))).toEqual({ listen: false, channel: '*' });
  });

  it('ignores everything else', () => {
    for (const q of ['LISTEN *', 'SELECT 1', 'LISTEN a; DROP TABLE x', "NOTIFY ch, 'x'", 'LISTEN', `LISTEN ${'a'.repeat(300)}`]) {
      expect(listenCommand(query(q))).toBeUndefined();
    }
  });
});

/** PGlite is one session: without the wire server's fan-out a NOTIFY only reaches the connection that sent it. */
describe('PGliteWireServer LISTEN/NOTIFY across connections', () => {
  let db: PGlite;
  let server: PGliteWireServer;
  const clients: pg.Client[] = [];
  const got: Record<string, string[]> = { a: [], b: [], c: [] };

  async function client(name: string): Promise<pg.Client> {
    const c = new pg.Client(url);
    await c.connect();
    c.on('notification', (n) => got[name].push(`${n.channel}:${n.payload}`));
    clients.push(c);
    return c;
  }
  let url: string;

  beforeAll(async () => {
    db = await PGlite.create();
    server = new PGliteWireServer(db, 'test-password');
    url = `postgres://postgres:test-password@127.0.0.1:${await server.listen('127.0.0.1', 0)}/postgres`;
  });
  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.end()));
    await server.stop();
    await db.close();
  });

  it('delivers a NOTIFY to the connections that LISTEN on its channel, and only to them', async () => {
    const a = await client('a');
    const b = await client('b');
    const c = await client('c');
    await a.query('LISTEN ch');
    await c.query('LISTEN other');
    await b.query("NOTIFY ch, 'one'");
    await b.query("SELECT pg_notify('ch', 'two'), pg_notify('other', 'three')");
    await b.query('BEGIN');
    await b.query("SELECT pg_notify('ch', 'at-commit')");
    await new Promise((r) => setTimeout(r, 50));
    expect(got.a).toEqual(['ch:one', 'ch:two']);
    await b.query('COMMIT');
    // Replies are not disturbed: a query after the notifications answers as usual.
    expect((await b.query('SELECT 41 + 1 AS n')).rows).toEqual([{ n: 42 }]);
    await new Promise((r) => setTimeout(r, 50));
    expect(got.a).toEqual(['ch:one', 'ch:two', 'ch:at-commit']);
    expect(got.b).toEqual([]);
    expect(got.c).toEqual(['other:three']);
  });

  it("one connection's UNLISTEN does not stop the session listening for another", async () => {
    const [a, b, c] = clients;
    await c.query('LISTEN ch');
    await c.query('UNLISTEN ch');
    await b.query("NOTIFY ch, 'after-unlisten'");
    await a.query('UNLISTEN *');
    await b.query("NOTIFY ch, 'nobody'");
    await new Promise((r) => setTimeout(r, 50));
    expect(got.a.at(-1)).toBe('ch:after-unlisten');
    expect(got.c).toEqual(['other:three']);
  });
});
