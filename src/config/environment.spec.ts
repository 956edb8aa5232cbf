import { AppConfig, isOriginAllowed } from './app-config.js';
import { EnvironmentError, validateEnvironment } from './environment.js';

/** The problems validateEnvironment reports for `vars` ([] when it accepts them). */
function problemsOf(vars: Record<string, string | undefined>): string[] {
  try {
    validateEnvironment(vars);
    return [];
  } catch (e) {
    if (e instanceof EnvironmentError) return e.problems;
    throw e;
  }
}

const variablesIn = (problems: string[]): string[] => [...new Set(problems.map((p) => p.slice(0, p.indexOf(':'))))].sort();

describe('validateEnvironment', () => {
  it('applies the documented defaults to an empty environment', () => {
    const env = validateEnvironment({});
    expect(env).toMatchObject({
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: 3000,
      DATA_DIR: './.data',
      DB_POOL_MAX: 10,
      MIGRATIONS_RUN: true,
      ALLOWED_ORIGINS: '',
      ALLOWED_HOSTS: '',
      ACCESS_TOKEN_TTL_SECONDS: 900,
      AUDIT_FLUSH_INTERVAL_MS: 1000,
      SHUTDOWN_TIMEOUT_MS: 10000,
      LOG_LEVEL: 'log',
    });
    expect(env.PUBLIC_URL).toBeUndefined();
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.KEY_ENCRYPTION_SECRET).toBeUndefined();
  });

  it('turns numeric and boolean strings into numbers and booleans', () => {
    const env = validateEnvironment({ PORT: '8080', DB_POOL_MAX: '3', MIGRATIONS_RUN: 'false' });
    expect(env.PORT).toBe(8080);
    expect(env.DB_POOL_MAX).toBe(3);
    expect(env.MIGRATIONS_RUN).toBe(false);
    expect(validateEnvironment({ MIGRATIONS_RUN: 'NO' }).MIGRATIONS_RUN).toBe(false);
    expect(validateEnvironment({ MIGRATIONS_RUN: '1' }).MIGRATIONS_RUN).toBe(true);
    expect(validateEnvironment({ MIGRATIONS_RUN: 'Yes' }).MIGRATIONS_RUN).toBe(true);
  });

  it('treats an empty PUBLIC_URL, DATABASE_URL or KEY_ENCRYPTION_SECRET as unset', () => {
    const env = validateEnvironment({ PUBLIC_URL: '', DATABASE_URL: '', KEY_ENCRYPTION_SECRET: '' });
    expect(env.PUBLIC_URL).toBeUndefined();
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.KEY_ENCRYPTION_SECRET).toBeUndefined();
  });

  it('ignores variables it does not own', () => {
    const env = validateEnvironment({ PATH: '/usr/bin', HOME: '/root', PORT: '4000' });
    expect(env.PORT).toBe(4000);
    expect(Object.keys(env)).not.toContain('PATH');
    expect(Object.keys(env)).not.toContain('HOME');
  });

  it('accepts a complete, valid local environment', () => {
    const env = validateEnvironment({
      NODE_ENV: 'test',
      PORT: '0',
      PUBLIC_URL: 'https://mcp.example.com/base',
      DATABASE_URL: 'postgresql://u:p@db:5432/app',
      KEY_ENCRYPTION_SECRET: 'x'.repeat(32),
      LOG_LEVEL: 'silent',
    });
    expect(env).toMatchObject({ NODE_ENV: 'test', PORT: 0, PUBLIC_URL: 'https://mcp.example.com/base', DATABASE_URL: 'postgresql://u:p@db:5432/app' });
  });

  it.each([
    ['PORT', 'abc', 'PORT: must be a whole number (0 picks a free port)'],
    ['PORT', '70000', 'PORT: must not be greater than 65535'],
    ['PUBLIC_URL', 'not a url/', 'PUBLIC_URL: must be an absolute http(s) URL such as https://mcp.example.com'],
  ])('%s=%s: one problem, the one that explains it', (name, value, problem) => {
    expect(problemsOf({ [name]: value })).toEqual([problem]);
  });

  it('reports every problem at once, each naming its variable, in one error', () => {
    const vars = {
      NODE_ENV: 'staging',
      PORT: 'eighty',
      PUBLIC_URL: 'ftp://mcp.example.com',
      DATABASE_URL: 'mysql://db/app',
      KEY_ENCRYPTION_SECRET: 'too-short',
      MIGRATIONS_RUN: 'maybe',
      AUDIT_FLUSH_INTERVAL_MS: '5',
      LOG_LEVEL: 'loud',
    };
    let error: unknown;
    try {
      validateEnvironment(vars);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EnvironmentError);
    const { problems, message } = error as EnvironmentError;
    expect(variablesIn(problems)).toEqual(Object.keys(vars).sort());
    expect(message).toMatch(new RegExp(`^Invalid configuration \\(${problems.length} problems\\):\\n`));
    for (const p of problems) expect(message).toContain(`  - ${p}`);
    // and how to fix them
    expect(message).toContain('openssl rand');
    expect(message).toContain('postgres://');
    expect(message).toContain('.env.example');
  });

  it.each(['https://mcp.example.com/', 'https://mcp.example.com/?x=1', 'https://mcp.example.com#frag', 'mcp.example.com', 'javascript:alert(1)'])(
    'rejects PUBLIC_URL %s',
    (url) => {
      expect(variablesIn(problemsOf({ PUBLIC_URL: url }))).toEqual(['PUBLIC_URL']);
    },
  );

  it.each([
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['DB_POOL_MAX', '0'],
    ['ACCESS_TOKEN_TTL_SECONDS', '10'],
    ['AUDIT_FLUSH_INTERVAL_MS', '60001'],
    ['SHUTDOWN_TIMEOUT_MS', '1.5'],
  ])('rejects %s=%s (out of range or not whole)', (name, value) => {
    expect(variablesIn(problemsOf({ [name]: value }))).toEqual([name]);
  });

  describe('NODE_ENV=production', () => {
    it('requires DATABASE_URL, KEY_ENCRYPTION_SECRET and PUBLIC_URL, all reported together', () => {
      const problems = problemsOf({ NODE_ENV: 'production' });
      expect(problems).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^DATABASE_URL: required when NODE_ENV=production/),
          expect.stringMatching(/^KEY_ENCRYPTION_SECRET: required when NODE_ENV=production/),
          expect.stringMatching(/^PUBLIC_URL: required when NODE_ENV=production/),
        ]),
      );
    });

    it('requires an https PUBLIC_URL', () => {
      const problems = problemsOf({ NODE_ENV: 'production', PUBLIC_URL: 'http://mcp.example.com' });
      expect(problems).toContain('PUBLIC_URL: must use https when NODE_ENV=production');
    });

    it('has no complaint about those three once they are set properly', () => {
      const problems = problemsOf({
        NODE_ENV: 'production',
        PUBLIC_URL: 'https://mcp.example.com',
        DATABASE_URL: 'postgres://db/app',
        KEY_ENCRYPTION_SECRET: 'k'.repeat(48),
      });
      expect(problems.filter((p) => /^(DATABASE_URL|KEY_ENCRYPTION_SECRET|PUBLIC_URL):/.test(p))).toEqual([]);
    });

    it('does not apply outside production', () => {
      expect(problemsOf({ NODE_ENV: 'development' })).toEqual([]);
      expect(problemsOf({ NODE_ENV: 'test' })).toEqual([]);
    });
  });
});

describe('AppConfig', () => {
  it('derives the resource URL and the path-suffixed metadata URL from PUBLIC_URL', () => {
    const c = AppConfig.from({ PUBLIC_URL: 'https://mcp.example.com' });
    expect(c.publicUrl).toBe('https://mcp.example.com');
    expect(c.resourceUrl).toBe('https://mcp.example.com/mcp');
    expect(c.protectedResourceMetadataUrl).toBe('https://mcp.example.com/.well-known/oauth-protected-resource/mcp');
  });

  it('inserts the well-known segment before the path of a PUBLIC_URL with a path (RFC 9728 §3.1)', () => {
    const c = AppConfig.from({ PUBLIC_URL: 'https://example.com/tools' });
    expect(c.resourceUrl).toBe('https://example.com/tools/mcp');
    expect(c.protectedResourceMetadataUrl).toBe('https://example.com/.well-known/oauth-protected-resource/tools/mcp');
  });

  it('defaults PUBLIC_URL to http://localhost:PORT', () => {
    const c = AppConfig.from({ PORT: '4321' });
    expect(c.publicUrl).toBe('http://localhost:4321');
    expect(c.resourceUrl).toBe('http://localhost:4321/mcp');
  });

  it('allows loopback Host headers only for a loopback server', () => {
    const local = AppConfig.from({ PORT: '4321' });
    expect([...local.allowedHosts].sort()).toEqual(['127.0.0.1', '[::1]', 'localhost', 'localhost:4321'].sort());
    const remote = AppConfig.from({ PUBLIC_URL: 'https://mcp.example.com', HOST: '0.0.0.0', ALLOWED_HOSTS: 'Internal.Example:8443' });
    expect([...remote.allowedHosts].sort()).toEqual(['internal.example:8443', 'mcp.example.com']);
  });

  it('a public server accepts its own origin and ALLOWED_ORIGINS, never a loopback page', () => {
    const c = AppConfig.from({ PUBLIC_URL: 'https://mcp.example.com', HOST: '0.0.0.0', ALLOWED_ORIGINS: 'https://app.example.com/some/path' });
    expect(isOriginAllowed(c, 'https://mcp.example.com')).toBe(true);
    expect(isOriginAllowed(c, 'https://app.example.com')).toBe(true);
    expect(isOriginAllowed(c, 'http://localhost:6274')).toBe(false);
    expect(isOriginAllowed(c, 'http://127.0.0.1:3000')).toBe(false);
    expect(isOriginAllowed(c, 'https://evil.example')).toBe(false);
    expect(isOriginAllowed(c, 'null')).toBe(false);
  });

  it('a loopback server accepts loopback pages but no look-alike hosts', () => {
    const c = AppConfig.from({ PORT: '4321' });
    expect(isOriginAllowed(c, 'http://localhost:4321')).toBe(true);
    expect(isOriginAllowed(c, 'http://localhost:6274')).toBe(true);
    expect(isOriginAllowed(c, 'http://localhost.evil.example')).toBe(false);
    expect(isOriginAllowed(c, 'http://127.0.0.1.nip.io')).toBe(false);
    expect(isOriginAllowed(c, 'http://localhost:4321/path')).toBe(false);
    expect(isOriginAllowed(c, 'null')).toBe(false);
  });
});
