import { HttpException } from '@nestjs/common';

/** An HTTP error whose response must carry headers (WWW-Authenticate, Retry-After, Allow). */
export class HttpErrorWithHeaders extends HttpException {
  constructor(
    status: number,
    body: Record<string, unknown>,
    readonly headers: Record<string, string>,
  ) {
    super(body, status);
  }
}
