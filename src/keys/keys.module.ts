import { Module } from '@nestjs/common';
import { SigningKeysRepository } from './signing-keys.repository.js';
import { SigningKeysService } from './signing-keys.service.js';

@Module({ providers: [SigningKeysRepository, SigningKeysService], exports: [SigningKeysService] })
export class KeysModule {}
