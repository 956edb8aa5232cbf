/** `auth`: per client IP on sign-in and OAuth endpoints. (/mcp uses the `mcp` bucket through RateLimiter.) */
export type RateLimitBucket = 'auth';
