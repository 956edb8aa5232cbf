import { CreatePlatformSchema1763780000000 } from './1763780000000-CreatePlatformSchema.js';

/** Every migration, in order. Add new ones at the end; never edit one that has landed. */
export const MIGRATIONS = [CreatePlatformSchema1763780000000];
