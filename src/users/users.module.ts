import { Module } from '@nestjs/common';
import { UpstreamTokensService } from './upstream-tokens.service.js';
import { UsersRepository } from './users.repository.js';

@Module({ providers: [UsersRepository, UpstreamTokensService], exports: [UsersRepository, UpstreamTokensService] })
export class UsersModule {}
