import { connect, type Socket } from 'node:net';

/**
 * A bare Postgres wire-protocol client (protocol 3.0; trust or cleartext-password auth) that sends exactly the messages a
 * test asks for, in the TCP writes it asks for: enough to reproduce how a driver's extended query
 * can reach the server in several pieces.
 */
export class PgWire {
  private buffer = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  private closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, d]);
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('close', () => (this.closed = true));
  }

  static async connect(url: string): Promise<PgWire> {
    const u = new URL(url);
    const socket = connect({ host: u.hostname, port: Number(u.port || 5432) });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const wire = new PgWire(socket);
    const params = Buffer.concat([
      cstr('user'),
      cstr(decodeURIComponent(u.username || 'postgres')),
      cstr('database'),
      cstr(u.pathname.slice(1) || 'postgres'),
      Buffer.from([0]),
    ]);
    const startup = Buffer.alloc(8);
    startup.writeInt32BE(8 + params.length, 0);
    startup.writeInt32BE(196608, 4);
    socket.write(Buffer.concat([startup, params]));
    let [type, payload] = await wire.next();
    if (type === 'R' && payload.readInt32BE(0) === 3) {
      wire.send(message('p', cstr(decodeURIComponent(u.password))));
      [type, payload] = await wire.next();
    }
    if (type === 'E') throw new Error(`refused: ${PgWire.rows([[type, payload]]).error}`);
    const reply = await wire.readyForQuery();
    const refused = PgWire.rows(reply).error;
    if (refused !== undefined) throw new Error(`refused: ${refused}`);
    return wire;
  }

  /** Takes the next whole message off the buffer. */
  async next(timeoutMs = 5000): Promise<[string, Buffer]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [first] = splitMessages(this.buffer);
      if (first) {
        this.buffer = this.buffer.subarray(5 + first[1].length);
        return first;
      }
      if (this.closed || Date.now() > deadline) throw new Error(this.closed ? 'connection closed' : 'no message in time');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  send(...messages: Buffer[]): void {
    this.socket.write(Buffer.concat(messages));
  }

  /** Everything received up to and including the next ReadyForQuery, as [type, payload] pairs. */
  async readyForQuery(timeoutMs = 5000): Promise<Array<[string, Buffer]>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const messages = splitMessages(this.buffer);
      const end = messages.findIndex(([type]) => type === 'Z');
      if (end >= 0) {
        const consumed = messages.slice(0, end + 1).reduce((n, [, payload]) => n + 5 + payload.length, 0);
        this.buffer = this.buffer.subarray(consumed);
        return messages.slice(0, end + 1);
      }
      if (Date.now() > deadline) throw new Error('no ReadyForQuery in time');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  /** The text values of the DataRows in `messages`, and the message of an ErrorResponse if any. */
  static rows(messages: Array<[string, Buffer]>): { rows: string[][]; error?: string } {
    const rows: string[][] = [];
    let error: string | undefined;
    for (const [type, payload] of messages) {
      if (type === 'D') {
        const cols: string[] = [];
        let at = 2;
        for (let i = 0; i < payload.readInt16BE(0); i++) {
          const len = payload.readInt32BE(at);
          cols.push(len < 0 ? '' : payload.subarray(at + 4, at + 4 + len).toString('utf8'));
          at += 4 + Math.max(len, 0);
        }
        rows.push(cols);
      } else if (type === 'E') {
        error = payload
          .toString('utf8')
          .split('\0')
          .find((f) => f.startsWith('M'))
          ?.slice(1);
      }
    }
    return error === undefined ? { rows } : { rows, error };
  }

  close(): void {
    this.socket.destroy();
  }
}

function cstr(s: string): Buffer {
  return Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])]);
}

function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([head, body]);
}

function splitMessages(buf: Buffer): Array<[string, Buffer]> {
  const out: Array<[string, Buffer]> = [];
  let at = 0;
  while (buf.length - at >= 5) {
    const len = buf.readInt32BE(at + 1);
    if (buf.length - at < 1 + len) break;
    out.push([String.fromCharCode(buf[at]), buf.subarray(at + 5, at + 1 + len)]);
    at += 1 + len;
  }
  return out;
}

/** Extended-protocol messages with the unnamed statement and portal, text parameters. */
export const wire = {
  parse: (sql: string): Buffer => message('P', Buffer.concat([cstr(''), cstr(sql), Buffer.from([0, 0])])),
  bind: (...params: string[]): Buffer => {
    const values = params.map((p) => {
      const v = Buffer.from(p, 'utf8');
      const len = Buffer.alloc(4);
      len.writeInt32BE(v.length);
      return Buffer.concat([len, v]);
    });
    const count = Buffer.alloc(2);
    count.writeInt16BE(params.length);
    return message('B', Buffer.concat([cstr(''), cstr(''), Buffer.from([0, 0]), count, ...values, Buffer.from([0, 0])]));
  },
  execute: (): Buffer => message('E', Buffer.concat([cstr(''), Buffer.from([0, 0, 0, 0])])),
  sync: (): Buffer => message('S', Buffer.alloc(0)),
  query: (sql: string): Buffer => message('Q', cstr(sql)),
};
