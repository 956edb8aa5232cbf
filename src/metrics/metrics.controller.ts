import { Controller, Get, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Public } from '../common/public.decorator.js';
import { safeEqual } from '../common/crypto.js';
import { AppConfig } from '../config/app-config.js';
import { MetricsService } from './metrics.service.js';

/**
 * Prometheus scrape endpoint. With METRICS_TOKEN set it needs `Authorization: Bearer <METRICS_TOKEN>`;
 * in production without one it is not served at all.
 */
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  @Get()
  async scrape(@Req() req: Request, @Res() res: Response): Promise<void> {
    const expected = this.config.metricsToken;
    if (!expected && this.config.isProduction) {
      res.status(404).json({ error: 'not_found', error_description: 'Set METRICS_TOKEN to expose /metrics in production' });
      return;
    }
    if (expected && !safeEqual(req.headers.authorization ?? '', `Bearer ${expected}`)) {
      res
        .status(401)
        .setHeader('WWW-Authenticate', 'Bearer realm="metrics"')
        .json({ error: 'unauthorized', error_description: 'Bearer METRICS_TOKEN required' });
      return;
    }
    res.setHeader('Content-Type', this.metrics.registry.contentType);
    res.setHeader('Cache-Control', 'no-store');
    res.send(await this.metrics.registry.metrics());
  }
}
