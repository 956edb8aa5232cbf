import { HttpException, NotFoundException } from '@nestjs/common';
import { RequestContextService } from '../common/context/request-context.service.js';
import { DomainError, type DomainErrorCode } from '../common/errors/domain-error.js';
import { HttpErrorWithHeaders } from '../common/errors/http-error-with-headers.exception.js';
import { ErrorMapperService } from './error-mapper.service.js';
import { DOMAIN_ERRORS } from './error-table.js';
import { TooManyRequestsError } from './rate-limit-policy.js';

describe('ErrorMapperService', () => {
  const context = new RequestContextService();
  const mapper = new ErrorMapperService(context);

  it.each<[DomainErrorCode, number, string]>([
    ['invalid_input', 400, 'invalid_request'],
    ['forbidden', 403, 'forbidden'],
    ['not_found', 404, 'not_found'],
    ['conflict', 409, 'conflict'],
  ])('domain error %s: %d {error: %s}, the same on every route', (code, status, error) => {
    const e = new DomainError(code, `because ${code}`);
    expect(mapper.toReply(e)).toEqual({ status, body: { error, error_description: `because ${code}` }, headers: {} });
    expect(mapper.statusOf(e)).toBe(status);
    expect(mapper.toRpcError(e)).toEqual({ code: DOMAIN_ERRORS[code].rpcCode, message: `because ${code}` });
  });

  it('HTTP errors keep their status, body and headers (OAuth errors, challenges, 429)', () => {
    const challenge = new HttpErrorWithHeaders(
      401,
      { error: 'invalid_token', error_description: 'bad' },
      { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
    );
    expect(mapper.toReply(challenge)).toEqual({
      status: 401,
      body: { error: 'invalid_token', error_description: 'bad' },
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
    });
    expect(mapper.toReply(new TooManyRequestsError(2.2))).toMatchObject({ status: 429, headers: { 'Retry-After': '3' } });
    expect(mapper.toReply(new NotFoundException())).toMatchObject({ status: 404 });
    expect(mapper.toReply(new HttpException('teapot', 418))).toEqual({ status: 418, body: { error: 'teapot' }, headers: {} });
  });

  it('anything else: 500 with the request id and no detail', () => {
    const reply = context.run('req-7', () => mapper.toReply(new TypeError('secret internals')));
    expect(reply).toEqual({
      status: 500,
      body: { error: 'server_error', error_description: 'Internal server error', request_id: 'req-7' },
      headers: {},
    });
    expect(JSON.stringify(reply)).not.toContain('secret internals');
    expect(mapper.statusOf(new Error('x'))).toBe(500);
  });
});
