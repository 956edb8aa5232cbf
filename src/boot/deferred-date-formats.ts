/**
 * Runs `load` (the application's import) with Intl.DateTimeFormat building each formatter on its
 * first use instead of at construction, then puts the real constructor back.
 *
 * @nestjs/common's two loggers each construct an Intl.DateTimeFormat when the package is imported.
 * Constructing one loads ICU's locale data: ~8 MB of the idle server's memory (pages of the Node binary
 * and heap) in a server that logs through pino and formats no date that way. The formatters made while
 * `load` runs behave like real ones (every property and method, instanceof) and build the real one the
 * first time they are used; everything constructed afterwards is real.
 */
export async function withDeferredDateFormats<T>(load: () => Promise<T>): Promise<T> {
  const Real = Intl.DateTimeFormat;
  function Deferred(locales?: string | string[], options?: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
    let real: Intl.DateTimeFormat | undefined;
    const target = () => (real ??= new Real(locales, options));
    return new Proxy(Object.create(Real.prototype) as Intl.DateTimeFormat, {
      get(_shell, key) {
        // A real formatter has no own properties: anything else (`then`, when a promise resolves to one) is absent.
        if (!(key in Real.prototype)) return undefined;
        const value: unknown = Reflect.get(target(), key);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target()) : value;
      },
    });
  }
  Deferred.prototype = Real.prototype;
  Deferred.supportedLocalesOf = Real.supportedLocalesOf.bind(Real);
  Intl.DateTimeFormat = Deferred as unknown as typeof Intl.DateTimeFormat;
  try {
    return await load();
  } finally {
    Intl.DateTimeFormat = Real;
  }
}
