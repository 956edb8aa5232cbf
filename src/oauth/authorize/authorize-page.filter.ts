import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { errorPage } from '../pages/html.js';
import { AuthorizePageError } from './authorize-errors.js';

/** Renders problems a person must see (bad client, bad redirect URI, bad state) as a page, never a redirect. */
@Catch(AuthorizePageError)
export class AuthorizePageFilter implements ExceptionFilter {
  catch(e: AuthorizePageError, host: ArgumentsHost): void {
    errorPage(host.switchToHttp().getResponse<Response>(), e.status, e.title, e.message);
  }
}
