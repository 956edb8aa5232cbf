/**
 * A strict fake for unit tests: records every call (with its arguments) in `log`, in order, and fails
 * on any method the test did not script. Answers are returned as they are (make them async for
 * methods that return promises).
 */
export function strictFake<T>(name: string, log: string[], answers: Record<string, (...args: any[]) => unknown>): T {
  return new Proxy(
    {},
    {
      get: (_t, method: string) => {
        const answer = answers[method];
        if (!answer) throw new Error(`unexpected ${name}.${method}`);
        return (...args: unknown[]) => {
          log.push(`${name}.${method}(${args.map((a) => JSON.stringify(a)).join(', ')})`);
          return answer(...args);
        };
      },
    },
  ) as T;
}
