import { CreatePlatformSchema1763780000000 } from './1763780000000-CreatePlatformSchema.js';
import { CreateOAuthSchema1763790000000 } from './1763790000000-CreateOAuthSchema.js';

/** Every migration, in order. Add new ones at the end; never edit one that has landed. */
export const MIGRATIONS = [CreatePlatformSchema1763780000000, CreateOAuthSchema1763790000000];
