import { CreatePlatformSchema1763780000000 } from './1763780000000-CreatePlatformSchema.js';
import { CreateOAuthSchema1763790000000 } from './1763790000000-CreateOAuthSchema.js';
import { CreateApiKeys1763800000000 } from './1763800000000-CreateApiKeys.js';
import { AddRedirectUriGiven1763810000000 } from './1763810000000-AddRedirectUriGiven.js';
import { AddUserEnabledRevocations1796005800156 } from './1796005800156-AddUserEnabledRevocations.js';
import { AddAuditActor1796005800189 } from './1796005800189-AddAuditActor.js';
import { AddUpstreamTokenRefresh1796007816010 } from './1796007816010-AddUpstreamTokenRefresh.js';
import { AddFederatedUsers1796008054760 } from './1796008054760-AddFederatedUsers.js';
import { AddSigningKeyMaxTokenTtl1796008959604 } from './1796008959604-AddSigningKeyMaxTokenTtl.js';
import { AddClientApplicationTypeAndScopeCatalogue1796012000000 } from './1796012000000-AddClientApplicationTypeAndScopeCatalogue.js';
import { AddSignInClaims1796012100000 } from './1796012100000-AddSignInClaims.js';
import { OwnerScopedNoteSearch1796013000000 } from './1796013000000-OwnerScopedNoteSearch.js';
import { CreateIdJagUses1796013600000 } from './1796013600000-CreateIdJagUses.js';
import { AddAdminRegisteredClients1796040000000 } from './1796040000000-AddAdminRegisteredClients.js';

/** Every migration, in order. Add new ones at the end; never edit one that has landed. */
export const MIGRATIONS = [
  CreatePlatformSchema1763780000000,
  CreateOAuthSchema1763790000000,
  CreateApiKeys1763800000000,
  AddRedirectUriGiven1763810000000,
  AddUserEnabledRevocations1796005800156,
  AddAuditActor1796005800189,
  AddUpstreamTokenRefresh1796007816010,
  AddFederatedUsers1796008054760,
  AddSigningKeyMaxTokenTtl1796008959604,
  AddClientApplicationTypeAndScopeCatalogue1796012000000,
  AddSignInClaims1796012100000,
  OwnerScopedNoteSearch1796013000000,
  CreateIdJagUses1796013600000,
  AddAdminRegisteredClients1796040000000,
];
