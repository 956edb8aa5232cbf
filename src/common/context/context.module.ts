import { Global, Module } from '@nestjs/common';
import { RequestContextService } from './request-context.service.js';

/** The request context (AsyncLocalStorage). HttpModule opens it for every request, in its place in the chain. */
@Global()
@Module({ providers: [RequestContextService], exports: [RequestContextService] })
export class ContextModule {}
