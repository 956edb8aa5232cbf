import { Global, Module } from '@nestjs/common';
import { AuditRepository } from './audit.repository.js';
import { AuditRetentionTask } from './audit-retention.task.js';
import { AuditService } from './audit.service.js';

@Global()
@Module({ providers: [AuditRepository, AuditService, AuditRetentionTask], exports: [AuditService, AuditRepository] })
export class AuditModule {}
