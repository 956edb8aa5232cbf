import { randomUUID } from 'node:crypto';
import { RequestContextService } from '../common/context/request-context.service.js';
import { DomainError } from '../common/errors/domain-error.js';
import type { ResourceChanges } from '../mcp/subscriptions/resource-changes.service.js';
import type { Note, NoteSearchHit } from './note.js';
import type { NotesRepository, PageCursor } from './notes.repository.js';
import { encodeCursor, NotesService } from './notes.service.js';

type RepoMethod = 'create' | 'get' | 'list' | 'update' | 'delete' | 'search';

/**
 * A strict fake NotesRepository: every call is recorded, and a method answers only if the test
 * scripted it; anything unscripted fails the test.
 */
class StrictNotesRepository {
  readonly calls: Array<{ method: RepoMethod; args: unknown[] }> = [];
  private readonly scripted = new Map<RepoMethod, (...args: any[]) => unknown>();

  on(method: RepoMethod, answer: (...args: any[]) => unknown): this {
    this.scripted.set(method, answer);
    return this;
  }

  private call(method: RepoMethod, args: unknown[]): Promise<any> {
    this.calls.push({ method, args });
    const answer = this.scripted.get(method);
    if (!answer) throw new Error(`unexpected NotesRepository.${method}(${JSON.stringify(args)})`);
    return Promise.resolve(answer(...args));
  }

  create(...args: unknown[]) {
    return this.call('create', args);
  }
  get(...args: unknown[]) {
    return this.call('get', args);
  }
  list(...args: unknown[]) {
    return this.call('list', args);
  }
  update(...args: unknown[]) {
    return this.call('update', args);
  }
  delete(...args: unknown[]) {
    return this.call('delete', args);
  }
  search(...args: unknown[]) {
    return this.call('search', args);
  }
}

function note(overrides: Partial<Note> = {}): Note {
  return {
    id: randomUUID(),
    title: 'A note',
    body: 'text',
    createdAt: '2025-11-22T10:00:00.123456Z',
    updatedAt: '2025-11-22T10:00:00.123456Z',
    ...overrides,
  };
}

describe('NotesService', () => {
  const ALICE = '00000000-0000-4000-8000-00000000a11c';
  const BOB = '00000000-0000-4000-8000-000000000b0b';
  let repo: StrictNotesRepository;
  let context: RequestContextService;
  let service: NotesService;
  /** What the service announced to listen streams: [owner, uri]. */
  let announced: Array<[string, string]>;

  beforeEach(() => {
    repo = new StrictNotesRepository();
    context = new RequestContextService();
    announced = [];
    const changes = { updated: (owner: string, uri: string) => void announced.push([owner, uri]) } as unknown as ResourceChanges;
    service = new NotesService(repo as unknown as NotesRepository, context, changes);
  });

  /** Runs `fn` as an authenticated request of `userId`. */
  function as<T>(userId: string, fn: () => Promise<T>): Promise<T> {
    return context.run(`req-${userId}`, () => {
      context.authenticate({ principal: { userId, login: userId }, clientId: 'c', scopes: new Set(['notes:read', 'notes:write']) });
      return fn();
    });
  }

  async function domainError(p: Promise<unknown>): Promise<DomainError> {
    const e = await p.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(DomainError);
    return e as DomainError;
  }

  describe('the owner always comes from the request context', () => {
    it.each([ALICE, BOB])('passes %s as the owner of every repository call', async (userId) => {
      const n = note();
      repo
        .on('create', () => n)
        .on('get', () => n)
        .on('list', () => [n])
        .on('update', () => n)
        .on('delete', () => true)
        .on('search', () => [] as NoteSearchHit[]);
      await as(userId, async () => {
        await service.create('t', 'b');
        await service.get(n.id);
        await service.list(10);
        await service.update(n.id, { title: 'x' });
        await service.delete(n.id);
        await service.search('q', 5);
      });
      expect(repo.calls.map((c) => c.method)).toEqual(['create', 'get', 'list', 'update', 'delete', 'search']);
      for (const c of repo.calls) expect(c.args[0]).toBe(userId);
      expect(repo.calls[0].args).toEqual([userId, 't', 'b']);
      expect(repo.calls[1].args).toEqual([userId, n.id]);
      expect(repo.calls[3].args).toEqual([userId, n.id, { title: 'x' }]);
      expect(repo.calls[5].args).toEqual([userId, 'q', 5]);
      // subscriptions/listen: the update and the delete reach the owner's streams, nothing else does.
      expect(announced).toEqual([
        [userId, `note://${n.id}`],
        [userId, `note://${n.id}`],
      ]);
    });

    it('refuses to work without an authenticated principal, before touching the repository', async () => {
      await expect(context.run('anon', async () => service.create('t', 'b'))).rejects.toThrow(/signed-in|authenticated/);
      await expect(context.run('anon', async () => service.search('q', 5))).rejects.toThrow(/signed-in|authenticated/);
      await expect((async () => service.list(5))()).rejects.toThrow(/signed-in|authenticated/);
      expect(repo.calls).toEqual([]);
    });
  });

  describe('not found', () => {
    it.each(['not-a-uuid', '', '123', `${randomUUID()}x`, "' OR 1=1 --"])(
      'an id that is not a UUID (%j) is "not found" without a repository call',
      async (id) => {
        await as(ALICE, async () => {
          for (const op of [() => service.get(id), () => service.update(id, { title: 'x' }), () => service.delete(id)]) {
            const e = await domainError(op());
            expect(e.code).toBe('not_found');
            expect(e.message).toBe(`Note not found: ${id}`);
          }
        });
        expect(repo.calls).toEqual([]);
      },
    );

    it('a note the repository does not return (absent, or someone else\'s) is "not found" with the same message', async () => {
      repo
        .on('get', () => undefined)
        .on('update', () => undefined)
        .on('delete', () => false);
      const id = randomUUID();
      await as(ALICE, async () => {
        for (const op of [() => service.get(id), () => service.update(id, { body: 'y' }), () => service.delete(id)]) {
          const e = await domainError(op());
          expect(e).toMatchObject({ code: 'not_found', message: `Note not found: ${id}` });
        }
      });
      expect(repo.calls.map((c) => c.method)).toEqual(['get', 'update', 'delete']);
      expect(announced).toEqual([]);
    });
  });

  it('an update with nothing to change is invalid input, without a repository call', async () => {
    await as(ALICE, async () => {
      const e = await domainError(service.update(randomUUID(), {}));
      expect(e.code).toBe('invalid_input');
      expect(e.message).toMatch(/Nothing to update/);
    });
    expect(repo.calls).toEqual([]);
  });

  describe('pagination', () => {
    it('asks for one row more than the page and returns a cursor for the last note shown', async () => {
      const rows = [
        note({ createdAt: '2025-11-22T10:00:03.000003Z' }),
        note({ createdAt: '2025-11-22T10:00:02.000002Z' }),
        note({ createdAt: '2025-11-22T10:00:01.000001Z' }),
      ];
      repo.on('list', () => rows);
      const page = await as(ALICE, () => service.list(2));
      expect(repo.calls[0].args).toEqual([ALICE, 3, undefined]);
      // Shown in milliseconds; the cursor keeps the stored microseconds, so no note between two is skipped.
      expect(page.notes).toEqual(rows.slice(0, 2).map((n) => ({ ...n, createdAt: n.createdAt.slice(0, 23) + 'Z', updatedAt: n.updatedAt.slice(0, 23) + 'Z' })));
      expect(page.nextCursor).toBe(encodeCursor({ createdAt: rows[1].createdAt, id: rows[1].id }));
    });

    it('has no cursor when the page holds the last note', async () => {
      const rows = [note(), note()];
      repo.on('list', () => rows);
      const page = await as(ALICE, () => service.list(2));
      expect(page).toEqual({ notes: rows.map((n) => ({ ...n, createdAt: '2025-11-22T10:00:00.123Z', updatedAt: '2025-11-22T10:00:00.123Z' })) });
      expect(page).not.toHaveProperty('nextCursor');
    });

    it('decodes its own cursor into the keyset position it was made from', async () => {
      const at: PageCursor = { createdAt: '2025-11-22T10:00:02.000002Z', id: randomUUID() };
      repo.on('list', () => []);
      await as(BOB, () => service.list(5, encodeCursor(at)));
      expect(repo.calls[0].args).toEqual([BOB, 6, at]);
    });

    it('cursors are opaque, URL-safe strings', () => {
      const cursor = encodeCursor({ createdAt: '2025-11-22T10:00:02.000002Z', id: randomUUID() });
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(cursor).not.toContain('2025');
    });

    it.each([
      ['garbage', 'not a cursor!'],
      ['empty', ''],
      ['no separator', Buffer.from('2025-11-22T10:00:00Z').toString('base64url')],
      ['a bad id', Buffer.from('2025-11-22T10:00:00Z|1234').toString('base64url')],
      ['a bad date', Buffer.from(`someday|${randomUUID()}`).toString('base64url')],
      ['an injected id', Buffer.from(`2025-11-22T10:00:00.000000Z|${randomUUID()}' OR '1'='1`).toString('base64url')],
      ['a number for a date', Buffer.from(`1|${randomUUID()}`).toString('base64url')],
      ['a day without a time', Buffer.from(`2021-02-28|${randomUUID()}`).toString('base64url')],
      ['the 31st of February', Buffer.from(`2021-02-31T10:00:00.000000Z|${randomUUID()}`).toString('base64url')],
      ['a date Date.parse accepts', Buffer.from(`March 7|${randomUUID()}`).toString('base64url')],
      ['a third part', Buffer.from(`2025-11-22T10:00:00.000000Z|${randomUUID()}|x`).toString('base64url')],
    ])('rejects a cursor that is %s as invalid input naming cursor, without a repository call', async (_what, cursor) => {
      await as(ALICE, async () => {
        const e = await domainError(service.list(5, cursor));
        expect(e.code).toBe('invalid_input');
        expect(e.message).toMatch(/^cursor: /);
      });
      expect(repo.calls).toEqual([]);
    });
  });
});
