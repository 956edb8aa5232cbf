import { SetMetadata } from '@nestjs/common';
import { MetadataKey } from './metadata-keys.js';

/** Opts a route out of the global bearer guard (discovery documents, health probes, sign-in pages). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(MetadataKey.Public, true);
