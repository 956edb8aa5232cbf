import { Injectable } from '@nestjs/common';
import { SigningKeysService } from '../../keys/signing-keys.service.js';
import { AdminSigningKeysRepository, type SigningKeyView } from './admin-signing-keys.repository.js';

@Injectable()
export class AdminSigningKeysService {
  constructor(
    private readonly keys: AdminSigningKeysRepository,
    private readonly signing: SigningKeysService,
  ) {}

  list(): Promise<SigningKeyView[]> {
    return this.keys.list();
  }

  /**
   * A new active key; the previous one stays published until every token it signed has expired.
   * Other instances sign with the new key after their next key reload (at most a minute).
   */
  async rotate(): Promise<{ kid: string; keys: SigningKeyView[] }> {
    const kid = await this.signing.rotate();
    return { kid, keys: await this.keys.list() };
  }
}
