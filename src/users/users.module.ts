import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UpstreamTokensRepository } from './upstream-tokens.repository.js';
import { UpstreamTokensService } from './upstream-tokens.service.js';
import { UserEntity } from './user.entity.js';
import { UsersRepository } from './users.repository.js';

@Module({
  imports: [TypeOrmModule.forFeature([UserEntity])],
  providers: [UsersRepository, UpstreamTokensRepository, UpstreamTokensService],
  exports: [UsersRepository, UpstreamTokensService],
})
export class UsersModule {}
