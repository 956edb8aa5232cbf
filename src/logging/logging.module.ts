import type { IncomingMessage, ServerResponse } from 'node:http';
import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream, Level } from 'pino';
import { AppConfig } from '../config/app-config.js';
import { RequestContextService } from '../common/context/request-context.service.js';

const LEVELS: Record<AppConfig['logLevel'], Level | 'silent'> = {
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
  silent: 'silent',
};

/**
 * Structured JSON logs (pino): one line per request and per event, each carrying the request id and,
 * once authenticated, the user and client. Credentials, cookies and query strings are never logged.
 */
@Module({})
export class LoggingModule {
  static forRoot(stream?: DestinationStream): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRootAsync({
          inject: [AppConfig, RequestContextService],
          useFactory: (config: AppConfig, context: RequestContextService) => {
            const options = {
              level: LEVELS[config.logLevel],
              base: { service: 'secure-mcp-server' },
              messageKey: 'msg',
              genReqId: (_req: IncomingMessage, res: ServerResponse) => String(res.getHeader('x-request-id') ?? ''),
              // The access line is written by HttpModule's request observer (with the status actually sent).
              autoLogging: false,
              quietReqLogger: true,
              // Log lines carry plain `req`/`res` summaries; pino-http's wrapping would null a plain object's status.
              wrapSerializers: false,
              serializers: {
                req: (req: { id?: string; method?: string; path?: string }) => ({ id: req.id, method: req.method, path: req.path }),
                res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
              },
              redact: {
                paths: [
                  'req.headers',
                  'res.headers',
                  '*.authorization',
                  '*.cookie',
                  '*.token',
                  '*.access_token',
                  '*.refresh_token',
                  '*.client_secret',
                  '*.code',
                ],
                remove: true,
              },
              mixin: () => {
                const c = context.current();
                return c ? { requestId: c.requestId, userId: c.principal?.userId, clientId: c.clientId } : {};
              },
            };
            return { pinoHttp: stream ? [options, stream] : options, forRoutes: ['*path'] };
          },
        }),
      ],
    };
  }
}
