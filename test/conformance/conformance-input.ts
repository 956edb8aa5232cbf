import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { RequireScope } from '../../src/auth/require-scope.decorator.js';
import { McpPrompt, McpTool } from '../../src/mcp/mcp.decorators.js';
import { ask, type ToolContext } from '../../src/mcp/tool-context.js';
import { CONFORMANCE_SCOPE } from './content.js';

const noInput = z.strictObject({});
const text = (s: string) => ({ content: [{ type: 'text', text: s }] });
const nameForm = (message: string) => ask.elicit({ message, requestedSchema: z.object({ name: z.string().max(200) }) });
const confirmForm = () => ask.elicit({ message: 'Please confirm', requestedSchema: z.object({ ok: z.boolean() }) });

/** The text a sampling answer carries, or undefined. */
function sampledText(ctx: ToolContext, key: string): string | undefined {
  const r = ctx.inputResponse(key);
  if (r.kind !== 'sampling') return undefined;
  const content = r.result.content as { type?: string; text?: unknown } | undefined;
  return content?.type === 'text' && typeof content.text === 'string' ? content.text : undefined;
}

function rootCount(ctx: ToolContext, key: string): number | undefined {
  const r = ctx.inputResponse(key);
  return r.kind === 'roots' ? r.roots.length : undefined;
}

/**
 * The suite's input-required (2026-07-28 basic/patterns/mrtr) fixtures, on ToolContext.inputRequired:
 * each asks the client for input, then answers from the input responses and its sealed state.
 */
@Injectable()
@RequireScope(CONFORMANCE_SCOPE)
export class ConformanceInputTools {
  @McpTool({ name: 'test_input_required_result_elicitation', description: 'MRTR: returns InputRequiredResult with elicitation request', input: noInput })
  async elicitation(_i: object, ctx: ToolContext) {
    const answer = ctx.accepted('user_name', z.object({ name: z.string().max(200) }));
    if (answer) return text(`Hello, ${answer.name}!`);
    return ctx.inputRequired({ user_name: nameForm('What is your name?') });
  }

  @McpTool({ name: 'test_input_required_result_sampling', description: 'MRTR: returns InputRequiredResult with sampling request', input: noInput })
  async sampling(_i: object, ctx: ToolContext) {
    const answer = sampledText(ctx, 'sample_request');
    if (answer !== undefined) return text(`Sampling result: ${answer}`);
    return ctx.inputRequired({
      sample_request: ask.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'What is the capital of France?' } }], maxTokens: 100 }),
    });
  }

  @McpTool({ name: 'test_input_required_result_list_roots', description: 'MRTR: returns InputRequiredResult with roots/list request', input: noInput })
  async listRoots(_i: object, ctx: ToolContext) {
    const roots = rootCount(ctx, 'roots_request');
    if (roots !== undefined) return text(`Found ${roots} root(s)`);
    return ctx.inputRequired({ roots_request: ask.listRoots() });
  }

  @McpTool({ name: 'test_input_required_result_request_state', description: 'MRTR: returns InputRequiredResult with requestState', input: noInput })
  async requestState(_i: object, ctx: ToolContext) {
    const state = ctx.state<{ kind: string }>();
    if (state?.kind === 'request-state' && ctx.accepted('confirm', z.object({ ok: z.boolean() }))?.ok === true) return text('state-ok: requestState validated');
    return ctx.inputRequired({ confirm: confirmForm() }, { kind: 'request-state' });
  }

  @McpTool({
    name: 'test_input_required_result_multiple_inputs',
    description: 'MRTR: returns InputRequiredResult with multiple input requests',
    input: noInput,
  })
  async multipleInputs(_i: object, ctx: ToolContext) {
    const name = ctx.accepted('user_name', z.object({ name: z.string().max(200) }))?.name;
    const greeting = sampledText(ctx, 'greeting');
    const roots = rootCount(ctx, 'client_roots');
    if (ctx.state<{ kind: string }>()?.kind === 'multiple-inputs' && name !== undefined && greeting !== undefined && roots !== undefined) {
      return text(`Name: ${name}; Greeting: ${greeting}; Roots: ${roots}`);
    }
    return ctx.inputRequired(
      {
        user_name: nameForm('What is your name?'),
        greeting: ask.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'Generate a greeting' } }], maxTokens: 50 }),
        client_roots: ask.listRoots(),
      },
      { kind: 'multiple-inputs' },
    );
  }

  @McpTool({ name: 'test_input_required_result_multi_round', description: 'MRTR: multi-round InputRequiredResult workflow', input: noInput })
  async multiRound(_i: object, ctx: ToolContext) {
    const state = ctx.state<{ round: number; name?: string }>();
    const name = ctx.accepted('step1', z.object({ name: z.string().max(200) }))?.name;
    if (state?.round === 1 && name !== undefined) {
      return ctx.inputRequired(
        { step2: ask.elicit({ message: 'Step 2: What is your favorite color?', requestedSchema: z.object({ color: z.string().max(200) }) }) },
        { round: 2, name },
      );
    }
    const color = ctx.accepted('step2', z.object({ color: z.string().max(200) }))?.color;
    if (state?.round === 2 && color !== undefined) return text(`Multi-round complete for ${state.name ?? 'friend'} who likes ${color}`);
    return ctx.inputRequired({ step1: nameForm('Step 1: What is your name?') }, { round: 1 });
  }

  /** A tampered or foreign requestState never reaches the method: the seal refuses it with a JSON-RPC error. */
  @McpTool({ name: 'test_input_required_result_tampered_state', description: 'MRTR: integrity-protected requestState', input: noInput })
  async tamperedState(_i: object, ctx: ToolContext) {
    if (ctx.state<{ kind: string }>()?.kind === 'tamper-test' && ctx.inputResponse('confirm').kind === 'elicit') return text('integrity-ok: state verified');
    return ctx.inputRequired({ confirm: confirmForm() }, { kind: 'tamper-test' });
  }

  /** Asks only for what the client declared it can give. */
  @McpTool({ name: 'test_input_required_result_capabilities', description: 'MRTR: respects client capabilities in inputRequests', input: noInput })
  async capabilities(_i: object, ctx: ToolContext) {
    const received = ['elicit_input', 'sample_input'].filter((k) => ctx.inputResponse(k).kind !== 'missing');
    if (received.length) return text(`capabilities-ok: received ${received.join(',')}`);
    const requests = {
      ...(ctx.canAsk('elicitation')
        ? { elicit_input: ask.elicit({ message: 'Elicitation input', requestedSchema: z.object({ value: z.string().max(200) }) }) }
        : {}),
      ...(ctx.canAsk('sampling')
        ? { sample_input: ask.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'Sample request' } }], maxTokens: 50 }) }
        : {}),
    };
    if (Object.keys(requests).length === 0) return text('No supported capabilities declared');
    return ctx.inputRequired(requests, { kind: 'capabilities-test' });
  }

  /** Needs sampling and does not check: a client that did not declare it gets -32021 (HTTP 400). */
  @McpTool({ name: 'test_missing_capability', description: 'Test tool requiring sampling', input: noInput })
  async missingCapability(_i: object, ctx: ToolContext) {
    if (sampledText(ctx, 'sample') !== undefined) return text('Success');
    return ctx.inputRequired({ sample: ask.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'Say hello' } }], maxTokens: 20 }) });
  }

  /** Its response stream carries only the input-required result, never a request of its own. */
  @McpTool({ name: 'test_streaming_elicitation', description: 'Diagnostic tool validating response progress streams', input: noInput })
  async streamingElicitation(_i: object, ctx: ToolContext) {
    await ctx.progress(50, 100, 'asking');
    const answer = ctx.accepted('user_name', z.object({ name: z.string().max(200) }));
    if (answer) return text(`Streaming complete for ${answer.name}`);
    return ctx.inputRequired({ user_name: nameForm('What is your name?') });
  }

  @McpPrompt({ name: 'test_input_required_result_prompt', description: 'MRTR: prompt that requires elicitation input' })
  async prompt(_args: object, ctx: ToolContext) {
    const answer = ctx.accepted('user_context', z.object({ context: z.string().max(2000) }));
    if (answer) return { messages: [{ role: 'user', content: { type: 'text', text: `Prompt with context: ${answer.context}` } }] };
    return ctx.inputRequired({
      user_context: ask.elicit({ message: 'What context should the prompt use?', requestedSchema: z.object({ context: z.string().max(2000) }) }),
    });
  }
}
