/** What a correct answer is, and the self-check that proves a server and the check itself work before any load. */
import { randomUUID } from 'node:crypto';
import type { BenchUser } from './database.js';
import type { ServerUnderTest } from './servers.js';

/** `structured`: notes in structuredContent (and a text copy); `modern`: the same with `resultType: "complete"` (2026-07-28); `text`: JSON in content[0].text. */
export type Shape = 'structured' | 'modern' | 'text';

export interface Expectation {
  users: BenchUser[];
  noteOwner: Map<string, number>;
}

/**
 * Why a response is not the correct answer to `tools/call notes.list {limit: 10}` with JSON-RPC id
 * `rpcId` for users[userIndex]; undefined when it is. `structured` servers must return the notes in
 * structuredContent (and a text copy); `text` servers (the tutorial) as JSON in content[0].text.
 */
export function incorrectness(status: number, body: string, rpcId: number, userIndex: number, shape: Shape, x: Expectation): string | undefined {
  if (status !== 200) return `HTTP ${status}`;
  let msg: { jsonrpc?: unknown; id?: unknown; error?: { code?: unknown; message?: unknown }; result?: Record<string, any> };
  try {
    msg = JSON.parse(body);
  } catch {
    return 'body is not JSON';
  }
  if (msg?.jsonrpc !== '2.0') return 'not a JSON-RPC 2.0 message';
  if (msg.error) return `JSON-RPC error ${String(msg.error.code)}: ${String(msg.error.message).slice(0, 120)}`;
  if (msg.id !== rpcId) return `JSON-RPC id ${JSON.stringify(msg.id)} instead of ${rpcId}`;
  const result = msg.result;
  if (!result || typeof result !== 'object') return 'no result';
  const first = Array.isArray(result.content) ? result.content[0] : undefined;
  if (result.isError) return `tool error: ${String(first?.text).slice(0, 120)}`;
  if (first?.type !== 'text' || typeof first.text !== 'string') return 'no text content';
  let notes: unknown;
  // MCP 2026-07-28: every result says what it is; a call that completed is `complete`.
  if (shape === 'modern' && result.resultType !== 'complete') return `resultType ${JSON.stringify(result.resultType)} instead of "complete"`;
  if (shape !== 'text') {
    if (!first.text.startsWith('{"notes":[')) return 'text content is not the notes JSON';
    notes = result.structuredContent?.notes;
  } else {
    try {
      notes = JSON.parse(first.text).notes;
    } catch {
      return 'text content is not JSON';
    }
  }
  if (!Array.isArray(notes)) return 'no notes array';
  const expected = x.users[userIndex].expected;
  if (notes.length !== expected.length) return `${notes.length} notes instead of ${expected.length}`;
  for (let i = 0; i < expected.length; i++) {
    const id = (notes[i] as { id?: unknown } | null)?.id;
    if (id === expected[i]) continue;
    const owner = typeof id === 'string' ? x.noteOwner.get(id) : undefined;
    return owner !== undefined && owner !== userIndex ? `another user's note (${x.users[owner].login}'s) in the answer` : `wrong note at position ${i}`;
  }
  return undefined;
}

/**
 * Before any load: one real call must be judged correct, the same answer judged against another user
 * must be rejected, and a token the server did not issue must be refused. Proves both the server and
 * the correctness check work.
 */
export async function selfCheck(s: ServerUnderTest, x: Expectation): Promise<string[]> {
  const problems: string[] = [];
  const call = async (token: string, id: number) => {
    const res = await fetch(`${s.baseUrl}/mcp`, {
      method: 'POST',
      headers: { ...s.request.headers, authorization: `Bearer ${token}` },
      body: s.request.body(id),
    });
    return { status: res.status, body: await res.text() };
  };
  const good = await call(s.tokens[1], 424242);
  const verdict = incorrectness(good.status, good.body, 424242, 1, s.shape, x);
  if (verdict) problems.push(`a real call was judged incorrect (${verdict}): ${good.body.slice(0, 300)}`);
  const crossUser = incorrectness(good.status, good.body, 424242, 0, s.shape, x);
  if (!crossUser?.startsWith("another user's note"))
    problems.push(`user 1's answer was not rejected as another user's notes when checked for user 0 (${crossUser ?? 'accepted'})`);
  if (!incorrectness(good.status, good.body, 424243, 1, s.shape, x)) problems.push('an answer carrying the wrong JSON-RPC id was accepted');
  if (!incorrectness(good.status, damaged(good.body, s.shape), 424242, 1, s.shape, x)) problems.push('an answer with a damaged note was accepted');
  const foreign = await call(s.foreignToken, 7);
  if (foreign.status !== 401) problems.push(`a token signed by a foreign key got HTTP ${foreign.status}, not 401`);
  if (!incorrectness(foreign.status, foreign.body, 7, 0, s.shape, x)) problems.push('a 401 answer was accepted');
  return problems;
}

/** The same answer with the last note dropped and the first note's id changed, wherever the notes travel. */
export function damaged(body: string, shape: Shape): string {
  try {
    const msg = JSON.parse(body);
    const spoil = (v: { notes: { id: string }[] }) => {
      v.notes.pop();
      v.notes[0].id = randomUUID();
      return v;
    };
    if (shape !== 'text') spoil(msg.result.structuredContent);
    else msg.result.content[0].text = JSON.stringify(spoil(JSON.parse(msg.result.content[0].text)));
    return JSON.stringify(msg);
  } catch {
    return body;
  }
}
