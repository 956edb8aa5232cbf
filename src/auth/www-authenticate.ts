export interface BearerChallenge {
  error?: 'invalid_token' | 'invalid_request' | 'insufficient_scope';
  description?: string;
  scope?: string;
}

const quote = (v: string): string => `"${v.replace(/["\\]/g, '\\$&')}"`;

/** RFC 6750 §3 + RFC 9728 §5.1: the Bearer challenge with the protected-resource metadata URL. */
export function formatBearerChallenge(resourceMetadataUrl: string, c: BearerChallenge): string {
  const params = [`resource_metadata=${quote(resourceMetadataUrl)}`];
  if (c.scope) params.push(`scope=${quote(c.scope)}`);
  if (c.error) params.push(`error=${quote(c.error)}`);
  if (c.description) params.push(`error_description=${quote(c.description)}`);
  return `Bearer ${params.join(', ')}`;
}
