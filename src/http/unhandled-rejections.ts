import { Logger, type LoggerService } from '@nestjs/common';
import type { RequestContextService } from '../common/context/request-context.service.js';
import { describeError } from '../common/errors/describe-error.js';

/**
 * SECURITY 32: no input can make the process exit. A promise rejection nobody handled is a bug; it is
 * logged with the request it came from (the AsyncLocalStorage context survives into the event) and
 * the process keeps serving, instead of Node's default of exiting. Returns the uninstaller.
 */
export function logUnhandledRejections(context: RequestContextService, logger: LoggerService = new Logger('Process')): () => void {
  const onRejection = (reason: unknown) => {
    logger.error(`Unhandled promise rejection (request ${context.requestId ?? 'none'}): ${describeError(reason)}`);
  };
  process.on('unhandledRejection', onRejection);
  return () => void process.off('unhandledRejection', onRejection);
}
