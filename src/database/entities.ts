import { SigningKeyEntity } from '../keys/signing-key.entity.js';
import { UserEntity } from '../users/user.entity.js';

export const ENTITIES = [UserEntity, SigningKeyEntity];
