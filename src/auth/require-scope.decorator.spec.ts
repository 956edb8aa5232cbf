import 'reflect-metadata';
import { Reflector } from '@nestjs/core';
import { MetadataKey } from '../common/metadata-keys.js';
import { declaredScopeDescriptions, RequireScope } from './require-scope.decorator.js';
import { ScopeRegistry } from './scope-registry.service.js';

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
    // the guard and the MCP registry require both lists: the operation needs every scope named (RFC 6750 §3.1)
    expect(reflector.getAllAndMerge(MetadataKey.RequiredScopes, [Tools.prototype.run, Tools])).toEqual(['notes:read', 'notes:write', 'admin']);
    expect(reflector.getAllAndMerge(MetadataKey.RequiredScopes, [Tools.prototype.other, Tools])).toEqual(['admin']);
  });

  it('accepts every RFC 6749 scope-token character', () => {
    expect(() => RequireScope('!#$%&()*+,-./:;<=>?@[]^_`{|}~', 'A-z0-9')).not.toThrow();
  });

  describe('scope descriptions, declared next to the tool (issue 11 item 6)', () => {
    it('@RequireScope(scope, { description }) records the scope and its description', () => {
      class Tools {
        @RequireScope('weather:read', { description: 'See the weather forecast' })
        run(): void {}
      }
      const reflector = new Reflector();
      expect(reflector.get(MetadataKey.RequiredScopes, Tools.prototype.run)).toEqual(['weather:read']);
      expect(declaredScopeDescriptions(reflector, [Tools.prototype.run, Tools])).toEqual([['weather:read', 'See the weather forecast']]);
    });

    it('a description for several scopes at once is refused (it could only describe one)', () => {
      expect(() => RequireScope('a:read', 'a:write', { description: 'Both?' })).toThrow('exactly one scope');
    });

    it.each([
      ['empty', '   '],
      ['a NUL', 'See\u0000 it'],
      ['a newline', 'line one\nline two'],
      ['a direction override', 'evil\u202e txt'],
      ['201 characters', 'x'.repeat(201)],
      ['not a string', 42],
    ])('a description that is %s is refused at decoration time', (_what, description) => {
      expect(() => RequireScope('weather:read', { description: description as string })).toThrow('@RequireScope("weather:read"): description');
    });

    it('the registry refuses two different descriptions of one scope, and accepts the same one twice', () => {
      const registry = new ScopeRegistry();
      registry.describe('weather:read', 'See the weather');
      registry.describe('weather:read', 'See the weather');
      expect(() => registry.describe('weather:read', 'Something else')).toThrow('described twice');
      expect(registry.description('weather:read')).toBe('See the weather');
      expect(registry.description('weather:alerts')).toBeUndefined();
    });
  });
});
