import 'reflect-metadata';
import { Reflector } from '@nestjs/core';
import { MetadataKey } from '../common/metadata-keys.js';
import { RequireScope } from './require-scope.decorator.js';

describe('@RequireScope', () => {
  it('throws while the class is being defined when given no scope', () => {
    expect(() => {
      class Tools {
        @RequireScope()
        run(): void {}
      }
      return Tools;
    }).toThrow('@RequireScope() needs at least one scope');
  });

  it.each([
    ['an empty string', ''],
    ['a space', 'notes read'],
    ['a double quote', 'notes"read'],
    ['a backslash', 'notes\\read'],
    ['a tab', 'notes\tread'],
    ['a non-ASCII letter', 'notes:lesen-ä'],
  ])('throws at decoration time for a scope with %s, naming it', (_what, scope) => {
    expect(() => {
      class Tools {
        @RequireScope('notes:write', scope)
        run(): void {}
      }
      return Tools;
    }).toThrow(`invalid scope token(s): ${JSON.stringify(scope)}`);
  });

  it('records the scopes (without duplicates) on a method and on a class', () => {
    @RequireScope('admin')
    class Tools {
      @RequireScope('notes:read', 'notes:write', 'notes:read')
      run(): void {}

      other(): void {}
    }
    const reflector = new Reflector();
    expect(reflector.get(MetadataKey.RequiredScopes, Tools.prototype.run)).toEqual(['notes:read', 'notes:write']);
    expect(reflector.get(MetadataKey.RequiredScopes, Tools)).toEqual(['admin']);
    expect(reflector.get(MetadataKey.RequiredScopes, Tools.prototype.other)).toBeUndefined();
    // the method's own list wins over the class's, as the guard and the MCP registry read it
    expect(reflector.getAllAndOverride(MetadataKey.RequiredScopes, [Tools.prototype.run, Tools])).toEqual(['notes:read', 'notes:write']);
    expect(reflector.getAllAndOverride(MetadataKey.RequiredScopes, [Tools.prototype.other, Tools])).toEqual(['admin']);
  });

  it('accepts every RFC 6749 scope-token character', () => {
    expect(() => RequireScope('!#$%&()*+,-./:;<=>?@[]^_`{|}~', 'A-z0-9')).not.toThrow();
  });
});
