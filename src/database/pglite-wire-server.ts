import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import { safeEqual } from '../common/crypto.js';

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const SYNC = 0x53; // 'S'
const QUERY = 0x51; // 'Q'
const FLUSH = 0x48; // 'H'
const TERMINATE = 0x58; // 'X'
const NOTIFICATION_RESPONSE = 0x41; // 'A'
const PASSWORD = 0x70; // 'p'
/** Messages before authentication are small (startup parameters, a password); anything larger is refused unread. */
const MAX_UNAUTHENTICATED_MESSAGE = 16 * 1024;
const AUTH_CLEARTEXT = Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3]); // AuthenticationCleartextPassword
const SYNC_MESSAGE = Buffer.from([SYNC, 0, 0, 0, 4]);
/** A simple Query of the empty string (answered with EmptyQueryResponse). */
const EMPTY_QUERY = Buffer.from([QUERY, 0, 0, 0, 5, 0]);

/** LISTEN / UNLISTEN as a simple query: the channel (unquoted: lower-cased), or `*` for UNLISTEN *. */
const LISTEN_COMMAND = /^\s*(LISTEN|UNLISTEN)\s+(?:"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_$]*)|(\*))\s*;?\s*$/i;

/** The channel and whether it is a LISTEN, for a simple Query message that is one. */
export function listenCommand(query: Buffer): { listen: boolean; channel: string } | undefined {
  if (query.length > 200) return undefined;
  const text = query.subarray(5, query.length - 1).toString('utf8');
  const m = LISTEN_COMMAND.exec(text);
  if (!m) return undefined;
  const listen = m[1].toUpperCase() === 'LISTEN';
  if (m[4] !== undefined) return listen ? undefined : { listen, channel: '*' };
  return { listen, channel: m[2] !== undefined ? m[2].replace(/""/g, '"') : m[3].toLowerCase() };
}

/** The channel a NotificationResponse message is for (after the type, length and sender pid). */
function notificationChannel(message: Buffer): string {
  const end = message.indexOf(0, 9);
  return message.toString('utf8', 9, end < 0 ? message.length : end);
}

/** A FIFO mutex: acquire() resolves with the function that releases it. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();

  acquire(): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const ready = this.tail.then(() => release);
    this.tail = this.tail.then(() => held);
    return ready;
  }
}

/**
 * Serves one PGlite over the Postgres wire protocol to several connections.
 *
 * PGlite is a single backend session, so connections must never interleave inside a unit of work:
 * a connection's messages are run together up to and including Sync or a simple Query, and the
 * session stays with that connection while a transaction (or a Flush-ed extended query) is open.
 * (`@electric-sql/pglite-socket` 0.2.x interleaves individual messages, so one connection's Bind can
 * run against another connection's Parse: electric-sql/pglite#1046.)
 */
export class PGliteWireServer {
  private server?: Server;
  private readonly connections = new Set<WireConnection>();
  readonly session = new Mutex();
  /** Connections that LISTEN, by channel. */
  private readonly listeners = new Map<string, Set<WireConnection>>();

  /**
   * `password`: every connection must send it (PostgreSQL protocol 3.0, AuthenticationCleartextPassword;
   * the server listens on loopback only) before PGlite sees its startup message.
   */
  constructor(
    readonly db: PGlite,
    readonly password: string,
  ) {}

  /** Listens on host:port (0 picks a free port) and returns the port. */
  async listen(host: string, port: number): Promise<number> {
    const server = createServer((socket) => {
      const connection = new WireConnection(this, socket);
      this.connections.add(connection);
      socket.once('close', () => {
        this.connections.delete(connection);
        this.unlistenOn(connection, '*');
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    return (server.address() as { port: number }).port;
  }

  listenOn(connection: WireConnection, channel: string): void {
    let set = this.listeners.get(channel);
    if (!set) this.listeners.set(channel, (set = new Set()));
    set.add(connection);
  }

  unlistenOn(connection: WireConnection, channel: string): void {
    for (const [name, set] of this.listeners) {
      if (channel !== '*' && name !== channel) continue;
      set.delete(connection);
      if (set.size === 0) this.listeners.delete(name);
    }
  }

  /**
   * PGlite is one session: a NOTIFY comes out in the reply of whichever connection's unit committed
   * it, whoever LISTENed. Postgres delivers it to every session listening on the channel, so it goes
   * to the connections that LISTENed on it (the sender too, if it did), and to no other.
   */
  /** Whether any connection listens on `channel` (`*`: on any channel). */
  listened(channel: string): boolean {
    return channel === '*' ? this.listeners.size > 0 : this.listeners.has(channel);
  }

  deliver(notification: Buffer): void {
    for (const connection of this.listeners.get(notificationChannel(notification)) ?? []) connection.write(notification);
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    await Promise.all([...this.connections].map((c) => c.close()));
    await closed;
  }
}

class WireConnection {
  private buffer: Buffer = Buffer.alloc(0);
  private started = false;
  /** The startup message, held back until the password has been checked. */
  private startup?: Buffer;
  private unit: Buffer[] = [];
  private work: Promise<void> = Promise.resolve();
  private release?: () => void;
  private closed = false;
  /** The start of a reply message whose end has not come out of PGlite yet. */
  private partial?: Buffer;

  constructor(
    private readonly server: PGliteWireServer,
    private readonly socket: Socket,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => void this.close());
  }

  /** Stops reading, lets the unit in progress finish, then gives the session back in a clean state. */
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.socket.destroy();
      this.work = this.work.then(() => this.cleanUp());
    }
    return this.work;
  }

  /** Writes complete protocol messages to the client. */
  write(bytes: Buffer): void {
    if (!this.closed && this.socket.writable) this.socket.write(bytes);
  }

  /** A reply chunk from PGlite: forwarded as it is, except for notifications, which go to their listeners. */
  private reply(chunk: Buffer): void {
    const bytes = this.partial ? Buffer.concat([this.partial, chunk]) : chunk;
    this.partial = undefined;
    let from = 0;
    let at = 0;
    while (at + 5 <= bytes.length) {
      const end = at + 1 + bytes.readInt32BE(at + 1);
      if (end > bytes.length) break;
      if (bytes[at] === NOTIFICATION_RESPONSE) {
        if (at > from) this.write(bytes.subarray(from, at));
        this.server.deliver(Buffer.from(bytes.subarray(at, end)));
        from = end;
      }
      at = end;
    }
    if (at > from) this.write(bytes.subarray(from, at));
    if (at < bytes.length) this.partial = Buffer.from(bytes.subarray(at));
  }

  /**
   * Keeps track of what this connection LISTENs on. An UNLISTEN would stop the one session listening
   * for every connection: while another connection still listens on the channel, it becomes an empty
   * query (the session keeps listening; this connection gets no more of its notifications).
   */
  private listenAware(query: Buffer): Buffer {
    const command = listenCommand(query);
    if (!command) return query;
    if (command.listen) {
      this.server.listenOn(this, command.channel);
      return query;
    }
    this.server.unlistenOn(this, command.channel);
    return this.server.listened(command.channel) ? EMPTY_QUERY : query;
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    while (!this.closed) {
      if (this.startup) {
        if (!this.authenticate()) return;
        continue;
      }
      if (!this.started) {
        if (this.buffer.length < 8) return;
        const length = this.buffer.readInt32BE(0);
        if (length < 8 || length > MAX_UNAUTHENTICATED_MESSAGE) return this.refuse('08P01', 'invalid startup packet length');
        if (this.buffer.length < length) return;
        const code = this.buffer.readInt32BE(4);
        const message = this.buffer.subarray(0, length);
        this.buffer = this.buffer.subarray(length);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          this.socket.write('N');
          continue;
        }
        if (code === CANCEL_REQUEST) {
          void this.close();
          return;
        }
        this.startup = Buffer.from(message);
        this.socket.write(AUTH_CLEARTEXT);
        continue;
      }
      if (this.buffer.length < 5) return;
      const length = 1 + this.buffer.readInt32BE(1);
      if (this.buffer.length < length) return;
      const message = this.buffer.subarray(0, length);
      this.buffer = this.buffer.subarray(length);
      const type = message[0];
      if (type === TERMINATE) {
        void this.close();
        return;
      }
      this.unit.push(type === QUERY ? this.listenAware(message) : message);
      if (type === SYNC || type === QUERY || type === FLUSH) {
        const unit = this.unit;
        this.unit = [];
        this.submit(unit, type !== FLUSH);
      }
    }
  }

  /**
   * Reads the PasswordMessage that answers AuthenticationCleartextPassword; on the right password hands
   * the held startup message to PGlite. Returns false while the message is incomplete or after a refusal.
   */
  private authenticate(): boolean {
    if (this.buffer.length < 5) return false;
    const length = 1 + this.buffer.readInt32BE(1);
    if (this.buffer[0] !== PASSWORD || length < 5 || length > MAX_UNAUTHENTICATED_MESSAGE) {
      this.refuse('28P01', 'password authentication failed for user "postgres"');
      return false;
    }
    if (this.buffer.length < length) return false;
    const given = this.buffer.subarray(5, length).toString('utf8').replace(/\0$/, '');
    this.buffer = this.buffer.subarray(length);
    if (!safeEqual(given, this.server.password)) {
      this.refuse('28P01', 'password authentication failed for user "postgres"');
      return false;
    }
    const startup = this.startup!;
    this.startup = undefined;
    this.started = true;
    this.submit([startup], true);
    return true;
  }

  /** Sends a FATAL ErrorResponse (PostgreSQL protocol 3.0, 53.7) and closes the connection. */
  private refuse(code: string, message: string): void {
    const fields = Buffer.concat([field('S', 'FATAL'), field('V', 'FATAL'), field('C', code), field('M', message), Buffer.from([0])]);
    const header = Buffer.alloc(5);
    header[0] = 0x45; // 'E'
    header.writeInt32BE(4 + fields.length, 1);
    this.closed = true;
    this.socket.end(Buffer.concat([header, fields]));
  }

  /** Runs a unit after this connection's previous ones; `complete` = it ends at a Sync or Query. */
  private submit(unit: Buffer[], complete: boolean): void {
    this.work = this.work.then(() => this.run(Buffer.concat(unit), complete)).catch(() => void this.close());
  }

  private async run(bytes: Buffer, complete: boolean): Promise<void> {
    if (this.closed) return;
    const db = this.server.db;
    this.release ??= await this.server.session.acquire();
    await db.runExclusive(() => db.execProtocolRawStream(new Uint8Array(bytes), { onRawData: (data) => this.reply(Buffer.from(data)) }));
    // Keep the session while a transaction or an unsynced extended query is open.
    if (complete && !db.isInTransaction()) this.giveBack();
  }

  private async cleanUp(): Promise<void> {
    if (!this.release) return;
    const db = this.server.db;
    try {
      await db.runExclusive(() => db.execProtocolRawStream(new Uint8Array(SYNC_MESSAGE), { onRawData: () => {} }));
      if (db.isInTransaction()) await db.exec('ROLLBACK');
    } finally {
      this.giveBack();
    }
  }

  private giveBack(): void {
    const release = this.release;
    this.release = undefined;
    release?.();
  }
}

function field(type: string, value: string): Buffer {
  return Buffer.concat([Buffer.from(type), Buffer.from(value, 'utf8'), Buffer.from([0])]);
}
