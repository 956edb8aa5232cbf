import { Injectable, OnModuleInit } from '@nestjs/common';
import type { Pool } from 'pg';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';

/** The Prometheus registry of /metrics and the metrics of the HTTP layer; modules register their own gauges on `registry`. */
@Injectable()
export class MetricsService implements OnModuleInit {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly toolCalls = new Counter({
    name: 'mcp_tool_calls_total',
    help: 'MCP tool, resource and prompt calls by name and outcome',
    labelNames: ['kind', 'name', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly tokenErrors = new Counter({
    name: 'oauth_token_errors_total',
    help: 'Token endpoint errors by OAuth error code',
    labelNames: ['error'] as const,
    registers: [this.registry],
  });

  constructor(private readonly dataSource: DataSource) {}

  onModuleInit(): void {
    collectDefaultMetrics({ register: this.registry });
    const pool = () => (this.dataSource.driver as unknown as { master?: Pool }).master;
    new Gauge({
      name: 'db_pool_connections',
      help: 'Database pool connections by state',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        const p = pool();
        if (!p) return;
        this.set({ state: 'total' }, p.totalCount);
        this.set({ state: 'idle' }, p.idleCount);
        this.set({ state: 'waiting' }, p.waitingCount);
      },
    });
  }
}
