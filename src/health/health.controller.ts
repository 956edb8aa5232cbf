import { Controller, Get, Header } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import { Public } from '../common/public.decorator.js';
import { DatabaseHealthIndicator } from './database.health.js';
import { TrafficGate } from './traffic-gate.service.js';

@Public()
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: DatabaseHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly gate: TrafficGate,
  ) {}

  /** Liveness: the process answers; no I/O, so a slow database never restarts the pod. */
  @Get('healthz')
  @Header('Cache-Control', 'no-store')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: 503 while starting (database not connected yet), after SIGTERM, and while the database does not answer. */
  @Get('readyz')
  @Header('Cache-Control', 'no-store')
  // No OpenAPI decorators: with them terminus loads @nestjs/swagger (about 500 files, 9 MB of heap)
  // at start-up, which src/admin/api-docs.ts otherwise defers to the first /docs request.
  @HealthCheck({ swaggerDocumentation: false })
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      () => {
        const server = this.indicators.check('server');
        const state = this.gate.state;
        return state === 'ready' ? server.up() : server.down({ state });
      },
      () => this.db.ping(1500),
    ]);
  }
}
